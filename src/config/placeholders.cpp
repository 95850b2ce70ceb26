// Placeholder expansion. One left-to-right pass; a `%(` or `$(` finds its matching ')' (nesting
// allowed), expands the inside, then resolves it. Nothing here fails: uWSGI leaves what it cannot
// resolve in place, so do we, and say so in a warning.

#include "config/placeholders.h"

#include <unistd.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <filesystem>

#include "config/option_table.h"

namespace appserver::config {
namespace {

std::string_view trim(std::string_view s) {
    std::size_t begin = s.find_first_not_of(" \t");
    if (begin == std::string_view::npos) return {};
    std::size_t end = s.find_last_not_of(" \t");
    return s.substr(begin, end - begin + 1);
}

// Index of the ')' matching the '(' at `open`, or npos.
std::size_t matching_paren(std::string_view text, std::size_t open) {
    int depth = 0;
    for (std::size_t i = open; i < text.size(); ++i) {
        if (text[i] == '(') ++depth;
        if (text[i] == ')' && --depth == 0) return i;
    }
    return std::string_view::npos;
}

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

// Recursive descent: expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*;
// factor := '-' factor | '(' expr ')' | number | identifier.
class Arithmetic {
public:
    Arithmetic(std::string_view text,
               const std::function<std::optional<std::string>(const std::string&)>& lookup,
               std::vector<std::string>& identifiers)
        : text_(text), lookup_(lookup), identifiers_(identifiers) {}

    std::optional<long long> run(std::string& error) {
        std::optional<long long> value = expr();
        skip_spaces();
        if (value && pos_ != text_.size()) fail("unexpected \"" + std::string(text_.substr(pos_)) + "\"");
        if (!error_.empty()) {
            error = error_;
            return std::nullopt;
        }
        return value;
    }

private:
    void skip_spaces() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    }
    bool eat(char c) {
        skip_spaces();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    std::optional<long long> fail(std::string message) {
        if (error_.empty()) error_ = std::move(message);
        return std::nullopt;
    }

    std::optional<long long> expr() {
        std::optional<long long> left = term();
        while (left) {
            long long right_value = 0;
            if (eat('+')) {
                std::optional<long long> right = term();
                if (!right) return std::nullopt;
                if (__builtin_add_overflow(*left, *right, &right_value)) return fail("overflow");
            } else if (eat('-')) {
                std::optional<long long> right = term();
                if (!right) return std::nullopt;
                if (__builtin_sub_overflow(*left, *right, &right_value)) return fail("overflow");
            } else {
                break;
            }
            left = right_value;
        }
        return left;
    }

    std::optional<long long> term() {
        std::optional<long long> left = factor();
        while (left) {
            long long result = 0;
            if (eat('*')) {
                std::optional<long long> right = factor();
                if (!right) return std::nullopt;
                if (__builtin_mul_overflow(*left, *right, &result)) return fail("overflow");
            } else if (eat('/')) {
                std::optional<long long> right = factor();
                if (!right) return std::nullopt;
                if (*right == 0) return fail("division by zero");
                if (*left == LLONG_MIN && *right == -1) return fail("overflow");
                result = *left / *right;
            } else {
                break;
            }
            left = result;
        }
        return left;
    }

    std::optional<long long> factor() {
        skip_spaces();
        if (pos_ >= text_.size()) return fail("expression ends too early");
        if (eat('-')) {
            std::optional<long long> inner = factor();
            if (!inner) return std::nullopt;
            if (*inner == LLONG_MIN) return fail("overflow");
            return -*inner;
        }
        if (eat('(')) {
            std::optional<long long> inner = expr();
            if (!inner) return std::nullopt;
            if (!eat(')')) return fail("missing ')'");
            return inner;
        }
        char c = text_[pos_];
        if (std::isdigit(static_cast<unsigned char>(c))) return number(text_.substr(pos_), true);
        if (is_ident_start(c)) {
            // A dash followed by a letter belongs to the name (`max-requests`); `a - b` and `a-1` subtract.
            std::size_t end = pos_;
            while (end < text_.size() &&
                   (is_ident_char(text_[end]) ||
                    (text_[end] == '-' && end + 1 < text_.size() && is_ident_start(text_[end + 1]))))
                ++end;
            std::string name(text_.substr(pos_, end - pos_));
            pos_ = end;
            identifiers_.push_back(name);
            std::optional<std::string> value = lookup_(name);
            if (!value) return fail(name + " is not defined");
            std::string_view v = trim(*value);
            bool negative = v.starts_with('-');
            if (negative) v.remove_prefix(1);
            if (v.empty() || v.find_first_not_of("0123456789") != std::string_view::npos)
                return fail(name + " = \"" + *value + "\" is not a number");
            std::size_t saved = pos_;
            std::optional<long long> n = number(v, false);
            pos_ = saved;
            if (!n) return std::nullopt;
            return negative ? -*n : *n;
        }
        return fail("unexpected \"" + std::string(text_.substr(pos_)) + "\"");
    }

    // Leading decimal digits of `digits`; advances pos_ when `advance`.
    std::optional<long long> number(std::string_view digits, bool advance) {
        long long value = 0;
        std::size_t i = 0;
        while (i < digits.size() && std::isdigit(static_cast<unsigned char>(digits[i]))) {
            if (__builtin_mul_overflow(value, 10LL, &value) ||
                __builtin_add_overflow(value, digits[i] - '0', &value))
                return fail("overflow");
            ++i;
        }
        if (advance) pos_ += i;
        return value;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    const std::function<std::optional<std::string>(const std::string&)>& lookup_;
    std::vector<std::string>& identifiers_;
    std::string error_;
};

std::optional<std::string> find_variable(const PlaceholderContext& context, const std::string& name) {
    if (!context.variables) return std::nullopt;
    auto it = context.variables->find(name);
    if (it == context.variables->end()) it = context.variables->find(normalize_key(name));
    if (it == context.variables->end()) return std::nullopt;
    return it->second;
}

// %(inside): a variable, or arithmetic, or kept as written.
void resolve_reference(std::string_view raw, std::string_view inside, const PlaceholderContext& context,
                       Expansion& out) {
    const std::string name(trim(inside));
    if (std::optional<std::string> value = find_variable(context, name)) {
        out.referenced.push_back(name);
        out.value += *value;
        return;
    }
    const bool looks_arithmetic =
        !name.empty() &&
        (name.find_first_of("+*/()") != std::string::npos || name.find(" - ") != std::string::npos ||
         std::isdigit(static_cast<unsigned char>(name[0])) || name[0] == '-');
    if (looks_arithmetic) {
        std::string error;
        auto lookup = [&](const std::string& n) { return find_variable(context, n); };
        std::optional<long long> result = evaluate_arithmetic(name, lookup, out.referenced, error);
        if (result) {
            out.value += std::to_string(*result);
            return;
        }
        out.warnings.push_back("cannot compute " + std::string(raw) + ": " + error + "; kept as written");
    } else {
        out.referenced.push_back(name);
        out.warnings.push_back(std::string(raw) + " is not defined (yet); kept as written");
    }
    out.value += raw;
}

void expand_into(std::string_view text, const PlaceholderContext& context, Expansion& out) {
    namespace fs = std::filesystem;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const char next = i + 1 < text.size() ? text[i + 1] : '\0';
        if ((c == '$' || c == '%') && next == '(') {
            std::size_t close = matching_paren(text, i + 1);
            if (close == std::string_view::npos) {  // unbalanced: literal, like uWSGI
                out.value += text.substr(i);
                return;
            }
            Expansion inner;
            expand_into(text.substr(i + 2, close - i - 2), context, inner);
            out.warnings.insert(out.warnings.end(), inner.warnings.begin(), inner.warnings.end());
            out.referenced.insert(out.referenced.end(), inner.referenced.begin(), inner.referenced.end());
            std::string_view raw = text.substr(i, close - i + 1);
            if (c == '$') {
                std::optional<std::string> value =
                    context.getenv ? context.getenv(inner.value) : std::nullopt;
                if (!value)
                    out.warnings.push_back("environment variable " + inner.value + " is not set; " +
                                           std::string(raw) + " is empty");
                out.value += value.value_or("");
            } else {
                resolve_reference(raw, inner.value, context, out);
            }
            i = close;
            continue;
        }
        if (c != '%' || next == '\0') {
            out.value += c;
            continue;
        }
        const bool in_file = !context.file_path.empty();
        // Absolute and with symlinks resolved, like uWSGI's realpath(): %d of a symlinked
        // /etc/uwsgi/apps-enabled/x.ini is the directory the file really lives in.
        auto file_path = [&] {
            std::error_code ec;
            return fs::weakly_canonical(fs::absolute(context.file_path, ec), ec);
        };
        switch (next) {
            case '%': out.value += '%'; break;
            case 'k': out.value += std::to_string(context.cpu_count); break;
            case 'h': out.value += context.hostname; break;
            case 'd':
                if (in_file) out.value += file_path().parent_path().string() + "/";
                break;
            case 'p':
                if (in_file) out.value += file_path().string();
                break;
            case 'n':
                if (in_file) out.value += file_path().stem().string();
                break;
            case 's':
                if (in_file) out.value += file_path().filename().string();
                break;
            case 'e':
                if (in_file) out.value += file_path().extension().string();
                break;
            default:  // not a placeholder: keep both characters
                out.value += c;
                out.value += next;
                break;
        }
        if (!in_file && std::string_view("dpnse").find(next) != std::string_view::npos) {
            out.value += c;
            out.value += next;
        }
        ++i;
    }
}

}  // namespace

std::optional<long long> evaluate_arithmetic(
    std::string_view expression, const std::function<std::optional<std::string>(const std::string&)>& lookup,
    std::vector<std::string>& identifiers, std::string& error) {
    return Arithmetic(expression, lookup, identifiers).run(error);
}

Expansion expand_placeholders(std::string_view text, const PlaceholderContext& context) {
    Expansion out;
    expand_into(text, context, out);
    return out;
}

PlaceholderContext default_placeholder_context() {
    PlaceholderContext context;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    context.cpu_count = cpus > 0 ? cpus : 1;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) context.hostname = host;
    context.getenv = [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (!value) return std::nullopt;
        return std::string(value);
    };
    return context;
}

}  // namespace appserver::config
