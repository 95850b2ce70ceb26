// Placeholder expansion. One left-to-right pass; a `%(` or `$(` finds its matching ')' (nesting
// allowed), expands the inside, then resolves it. Nothing here fails: uWSGI leaves what it cannot
// resolve in place, so do we, and say so in a warning.

#include "config/placeholders.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <ctime>
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

// The path uWSGI's %d/%p describe (core/uwsgi.c, config_magic_table_fill): the real path of the file,
// except that a file that is itself a symlink keeps the link's own path (Debian's
// /etc/uwsgi/apps-enabled/site.ini -> ../apps-available/site.ini gives %d = .../apps-enabled/, as
// uWSGI 2.0.21 prints it); a symlinked directory on the way is resolved.
std::filesystem::path magic_path(const std::string& file) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path absolute = fs::absolute(file, ec);
    if (fs::is_symlink(file, ec)) return absolute;
    return fs::weakly_canonical(absolute, ec);
}

// The letters uWSGI derives from a config file (%d %p %s %n %e %c %x %0..%9); nullopt for others.
std::optional<std::string> file_letter(char letter, const std::string& file, const std::string& section) {
    const std::filesystem::path path = magic_path(file);
    const std::string name = path.filename().string();
    const std::size_t dot = name.rfind('.');
    switch (letter) {
        case 'p': return path.string();
        case 'd': return path.parent_path().string() + "/";
        case 's': return name;
        case 'n': return dot == std::string::npos ? name : name.substr(0, dot);
        case 'e': return dot == std::string::npos ? "" : name.substr(dot + 1);  // uWSGI: without the dot
        case 'c': return path.parent_path().filename().string();
        case 'x': return section;
        default: break;
    }
    if (letter >= '0' && letter <= '9') {  // the directory's components: %0 is the first
        int wanted = letter - '0';
        for (const std::filesystem::path& part : path.parent_path().relative_path()) {
            if (part.empty()) continue;
            if (wanted-- == 0) return part.string();
        }
        return "";
    }
    return std::nullopt;
}

std::string user_name(uid_t uid) {
    struct passwd* pw = ::getpwuid(uid);
    return pw ? pw->pw_name : std::to_string(uid);
}

std::string group_name(gid_t gid) {
    struct group* gr = ::getgrgid(gid);
    return gr ? gr->gr_name : std::to_string(gid);
}

// What `%` + `letter` becomes, as in uWSGI's magic table; nullopt: keep it as written. The
// upper-case file letters describe the first ini file read (uWSGI's "first round"), the lower-case
// ones the file being read. Without a file (the command line) the file letters are kept.
std::optional<std::string> magic_letter(char letter, const PlaceholderContext& context) {
    switch (letter) {
        case '%': return "%";
        case 'k': return std::to_string(context.cpu_count);
        case 'h': return context.hostname;
        case 'v': {
            std::error_code ec;
            std::filesystem::path cwd = std::filesystem::current_path(ec);
            return ec ? std::nullopt : std::optional<std::string>(cwd.string());
        }
        case 't': return std::to_string(std::time(nullptr));
        case 'T': {
            struct timespec now {};
            ::clock_gettime(CLOCK_REALTIME, &now);
            return std::to_string(static_cast<long long>(now.tv_sec) * 1000000 + now.tv_nsec / 1000);
        }
        case 'u': return std::to_string(::getuid());
        case 'U': return user_name(::getuid());
        case 'g': return std::to_string(::getgid());
        case 'G': return group_name(::getgid());
        default: break;
    }
    if (std::string_view("DPSNECX").find(letter) != std::string_view::npos) {
        const bool main = !context.main_file_path.empty();
        const std::string& file = main ? context.main_file_path : context.file_path;
        if (file.empty()) return std::nullopt;
        const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(letter)));
        return file_letter(lower, file, main ? context.main_section : context.section);
    }
    if (context.file_path.empty()) return std::nullopt;
    return file_letter(letter, context.file_path, context.section);
}

void expand_into(std::string_view text, const PlaceholderContext& context, Expansion& out) {
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
        if (std::optional<std::string> magic = magic_letter(next, context)) {
            out.value += *magic;
        } else {  // not a placeholder here (or no file for a file letter): keep both characters
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
