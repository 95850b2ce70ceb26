// The man page appserver(1), written from the option table and the master's signal table (as --help
// and docs/options.md are), so `man appserver` cannot drift from the binary. The checked-in
// docs/appserver.1 is kept in step by a unit test and installed to share/man/man1.

#include <sstream>

#include "appserver/config.h"
#include "config/option_table.h"
#include "config/uwsgi_catalogue.h"
#include "config/usage.h"
#include "os/signals.h"

namespace appserver {
namespace {

using namespace config;

constexpr OptionGroup kOptionGroups[] = {OptionGroup::commands,    OptionGroup::config,    OptionGroup::sockets,
                                         OptionGroup::application, OptionGroup::processes, OptionGroup::lifecycle,
                                         OptionGroup::static_files, OptionGroup::limits};

// Text for a roff line: backslashes doubled as \e, hyphens as \- (so they are never broken or turned
// into typographic dashes in option names), markdown's backticks dropped, and a leading '.' or '\''
// guarded so the line is never read as a request.
std::string roff(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        // A break point after a comma inside a word: "command=,pidfile=,..." lists would otherwise be
        // one word wider than a narrow terminal ("cannot adjust line").
        if (c == ',' && i + 1 < text.size() && text[i + 1] != ' ') {
            out += ",\\:";
            continue;
        }
        switch (c) {
            case '\\': out += "\\e"; break;
            case '-': out += "\\-"; break;
            case '`': break;
            case '\n': out += ' '; break;
            default: out += c;
        }
    }
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
    return out;
}

// "-p, --processes, --workers N": the names bold, the value italic.
std::string synopsis_roff(const OptionSpec& spec) {
    std::string synopsis = option_synopsis(spec);
    if (spec.metavar.empty()) return "\\fB" + roff(synopsis) + "\\fR";
    std::string names = synopsis.substr(0, synopsis.size() - spec.metavar.size() - 1);
    return "\\fB" + roff(names) + "\\fR \\fI" + roff(spec.metavar) + "\\fR";
}

void write_options(std::ostringstream& out) {
    out << ".SH OPTIONS\n"
           "Every option is also an ini key (\\fBprocesses = 4\\fR), except the commands, which are command "
           "line only. \\fB\\-\\-key value\\fR and \\fB\\-\\-key=value\\fR are the same; a boolean is "
           "\\fB\\-\\-flag\\fR or \\fB\\-\\-flag=false\\fR. \\(oq\\-\\(cq and \\(oq_\\(cq are the same in names. "
           "One\\-letter forms work on the command line only. A bare argument ending in \\fI.ini\\fR is read "
           "as \\fB\\-\\-ini\\fR.\n";
    for (OptionGroup group : kOptionGroups) {
        out << ".SS " << roff(group_title(group)) << "\n";
        for (const OptionSpec& spec : option_table()) {
            if (spec.group != group) continue;
            out << ".TP\n" << synopsis_roff(spec) << "\n" << roff(spec.help);
            if (!spec.note.empty()) out << ". " << roff(spec.note);
            if (std::string fallback = plain_default_text(spec); !fallback.empty()) {
                out << "\n.br\nDefault: " << roff(fallback) << ".";
            }
            out << "\n";
        }
    }
    out << ".SS " << roff(group_title(OptionGroup::no_op)) << "\n"
        << roff("Accepted for uWSGI configurations, with no effect: " + option_names_in_group(OptionGroup::no_op) + ".")
        << "\n"
        << ".SS " << roff(group_title(OptionGroup::unsupported)) << "\n"
        << roff("Warned about once and ignored: " + option_names_in_group(OptionGroup::unsupported) + ".") << "\n"
        << ".PP\n"
        << roff("Every other uWSGI 2.0 key (" + std::to_string(uwsgi_catalogue().size()) +
                " more) is recognised, warned about once and ignored; with strict, only names uWSGI does not "
                "know either are errors. The full list, the ini syntax, placeholders and merging rules are in "
                "options.md (see FILES).")
        << "\n";
}

void write_signals(std::ostringstream& out) {
    out << ".SH SIGNALS\n"
           "Sent to the master (its pid is in the pidfile). Workers take their orders from the master.\n";
    for (const SignalEntry& entry : master_signal_table()) {
        out << ".TP\n\\fB" << roff(entry.name) << "\\fR";
        if (!entry.cli_verb.empty()) out << " (\\fBappserver " << roff(entry.cli_verb) << "\\fR)";
        out << "\n" << roff(entry.meaning) << "\n";
    }
    out << ".PP\n"
           "Other signals whose default action would end the master are logged and ignored; SIGPIPE is "
           "ignored. SIGTERM is a graceful stop, where uWSGI without \\fBdie\\-on\\-term\\fR reloads.\n";
}

constexpr std::string_view kHead = R"(.\" Generated from src/config/option_table.cpp and src/os/signals.cpp by render_man_page(); do not edit.
.\" Regenerate: UPDATE_DOCS=1 ./build/unit_tests --gtest_filter='ManPage.*'
)";

constexpr std::string_view kDescription = R"(.SH DESCRIPTION
\fBappserver\fR serves a WSGI application (PEP 3333) written in Python. It reads uWSGI's
command\-line options and \fIuwsgi.ini\fR files, so an existing uWSGI configuration usually runs
unchanged.
.PP
A master process parses the configuration, binds every socket, starts CPython and imports the
application once, then forks \fBprocesses\fR workers that share it copy\-on\-write (or imports it
in each worker with \fBlazy\-apps\fR). Each worker runs an event loop over the shared listening
sockets: HTTP/1.1 on \fBhttp\fR and \fBhttp\-socket\fR addresses, the uwsgi binary protocol (what
nginx's \fBuwsgi_pass\fR speaks) on \fBsocket\fR addresses. The master replaces workers that die,
recycles and kills stuck ones, and reloads (SIGHUP) or stops (SIGTERM) gracefully.
.PP
The Python runtime is a plugin built for one interpreter; the plugin used is the default python3
one unless \fBplugins\fR names another.
.PP
Run in the foreground, \fBappserver\fR logs to standard error, which suits systemd and
containers.
)";

constexpr std::string_view kTail = R"(.SH EXIT STATUS
0 after a clean stop or a successful command; 1 when the configuration, a socket, the pidfile or
the application cannot be set up (one line on standard error names the option, file or address and
the error), or when \fB\-\-stop\fR, \fB\-\-reload\fR or \fB\-\-reopen\-logs\fR fails.
.SH ENVIRONMENT
.TP
.B VIRTUAL_ENV
used as \fBhome\fR when none is given.
.TP
.B TMPDIR
where request bodies past \fBpost\-buffering\fR are spooled (unnamed files; default \fI/tmp\fR).
.SH FILES
.TP
.I PREFIX/bin/appserver
the binary; PREFIX is \fI/usr\fR for the Debian package and \fI/usr/local\fR for \fBmake install\fR.
.TP
.I PREFIX/lib/appserver/plugins/
the Python plugins (\fIpython3_plugin.so\fR, \fIpythonXY_plugin.so\fR). Plugins are also looked
for in the \fBplugins\-dir\fR directories, \fIplugins/\fR beside the binary and
\fI../lib/appserver/plugins/\fR from it.
.TP
.I PREFIX/share/appserver/python/
Python modules the plugin ships (\fIuwsgidecorators.py\fR).
.TP
.I PREFIX/share/doc/appserver/
the documentation: \fIoptions.md\fR (every option, the ini syntax, placeholders), \fIdeployment.md\fR
(nginx, systemd, containers), \fImigrating\-from\-uwsgi.md\fR, \fIsignals.md\fR, and \fIexamples/\fR.
.TP
.I PIDFILE.reload
written by the master with the outcome of each reload, read by \fB\-\-reload\fR.
.SH EXAMPLES
.nf
appserver \-\-http :8000 \-\-wsgi\-file app.py \-\-processes 4
appserver \-\-ini /etc/appserver/site.ini
appserver \-\-check\-config \-\-ini /etc/appserver/site.ini
appserver \-\-reload /run/appserver/site.pid
.fi
.SH SEE ALSO
.BR uwsgi (1),
.BR nginx (8),
.BR systemd.service (5),
.BR logrotate (8)
)";

}  // namespace

std::string render_man_page() {
    std::ostringstream out;
    out << kHead;
    out << ".TH APPSERVER 1 \"\" \"appserver " << APPSERVER_VERSION << "\" \"User Commands\"\n"
        // Ragged right: option lists such as attach-daemon2's keys have few spaces to stretch, and
        // justifying them on a narrow terminal warns ("cannot adjust line").
        << ".ad l\n"
        << ".SH NAME\n"
           "appserver \\- prefork WSGI application server that reads uWSGI configurations\n"
           ".SH SYNOPSIS\n"
           ".nf\n";
    for (const std::string& line : usage_lines()) {
        // "appserver --stop PIDFILE": the program bold, the rest as written.
        std::string rest = line.substr(std::string_view("appserver").size());
        out << "\\fBappserver\\fR" << roff(rest) << "\n";
    }
    out << ".fi\n" << kDescription;
    write_options(out);
    write_signals(out);
    out << kTail;
    return out.str();
}

}  // namespace appserver
