#include "python_harness.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace appserver::python::testing {
namespace {

// One function per behaviour; the path picks it.
constexpr const char* test_app = R"PY(
import io, os, sys, threading

closed = []

class Closing:
    def __init__(self, chunks, name):
        self.chunks, self.name = chunks, name
    def __iter__(self):
        return iter(self.chunks)
    def close(self):
        closed.append(self.name)

def hello(env, sr):
    sr('200 OK', [('Content-Type', 'text/html')])
    return 'Hello World'.encode('utf-8')

def environ(env, sr):
    sr('200 OK', [('Content-Type', 'text/plain')])
    lines = []
    for key in sorted(env):
        value = env[key]
        if key in ('wsgi.input', 'wsgi.errors', 'wsgi.file_wrapper'):
            value = type(value).__name__
        lines.append('%s=%r\n' % (key, value))
    return [''.join(lines).encode('utf-8')]

def mutate(env, sr):
    # An application may change its environ at will: the next request must not see it.
    env.pop('HTTP_HOST', None)
    env['QUERY_STRING'] = 'changed by the app'
    env['HTTP_X_ADDED'] = 'added by the app'
    sr('200 OK', [])
    return [b'mutated']

def read_all(env, sr):
    sr('200 OK', [])
    return [env['wsgi.input'].read()]

def read_parts(env, sr):
    inp = env['wsgi.input']
    n = int(env['QUERY_STRING'])
    parts = []
    while True:
        data = inp.read(n)
        parts.append(data)
        if not data:
            break
    sr('200 OK', [])
    return [repr(parts).encode()]

def read_mixed(env, sr):
    inp = env['wsgi.input']
    out = [inp.readline(), inp.read(3), inp.readline(4), inp.readline(), inp.read(None), inp.read(), inp.readline()]
    sr('200 OK', [])
    return [repr(out).encode()]

def readlines(env, sr):
    hint = int(env['QUERY_STRING'] or '-1')
    sr('200 OK', [])
    return [repr(env['wsgi.input'].readlines(hint)).encode()]

def iterate_input(env, sr):
    sr('200 OK', [])
    return [repr(list(env['wsgi.input'])).encode()]

def read_error(env, sr):
    try:
        env['wsgi.input'].read()
    except OSError as e:
        result = 'OSError'
    sr('200 OK', [])
    return [result.encode()]

kept_input = []
def keep_input(env, sr):
    kept_input.append(env['wsgi.input'])
    sr('200 OK', [])
    return [b'']

def use_kept_input(env, sr):
    try:
        kept_input[-1].read()
        result = 'no error'
    except ValueError:
        result = 'ValueError'
    sr('200 OK', [])
    return [result.encode()]

def listing(env, sr):
    sr('200 OK', [('Content-Type', 'text/plain')])
    return [b'a', b'bc', b'', b'def']

def big_listing(env, sr):
    sr('200 OK', [('Content-Type', 'text/plain')])
    return [b'x' * 3000, b'', b'y' * 3000]

def generator(env, sr):
    sr('201 Created', [('X-Gen', 'yes')])
    yield b''
    yield b'one'
    yield b'two'

def empty_generator(env, sr):
    sr('204 No Content', [])
    return iter([])

def str_chunk(env, sr):
    sr('200 OK', [])
    return ['abc']

def raise_before(env, sr):
    raise ValueError('boom before start_response')

def raise_after_data(env, sr):
    sr('200 OK', [])
    yield b'partial'
    raise ValueError('boom after data')

def raise_before_data(env, sr):
    sr('200 OK', [])
    raise ValueError('boom before data')
    yield b''

def write_only(env, sr):
    write = sr('200 OK', [('Content-Type', 'text/plain')])
    write(b'via ')
    write(bytearray(b'write'))
    return []

def write_then_list(env, sr):
    write = sr('200 OK', [])
    write(b'a')
    return [b'b', b'c']

def no_start(env, sr):
    return [b'x']

def twice(env, sr):
    sr('200 OK', [])
    sr('200 OK', [])
    return [b'x']

def exc_info(env, sr):
    sr('200 OK', [('X-First', '1')])
    try:
        raise KeyError('x')
    except KeyError:
        sr('503 Service Unavailable', [('X-Second', '2')], sys.exc_info())
    return [b'replaced']

def exc_info_after_sent(env, sr):
    write = sr('200 OK', [])
    write(b'sent')
    try:
        raise KeyError('late')
    except KeyError:
        sr('500 Internal Server Error', [], sys.exc_info())
    return [b'never']

def bad_status(env, sr):
    sr(env['QUERY_STRING'].replace('%20', ' '), [])
    return [b'x']

def bad_header_value(env, sr):
    sr('200 OK', [('X-A', 'b\r\nc')])
    return [b'x']

def header_from_query(env, sr):
    sr('200 OK', [('X-A', env['QUERY_STRING'])])
    return [b'x']

def bad_header_name(env, sr):
    sr('200 OK', [('Bad Name', 'x')])
    return [b'x']

def non_latin1_header(env, sr):
    sr('200 OK', [('X-A', '\u20ac')])
    return [b'x']

def headers_not_list(env, sr):
    sr('200 OK', {'X-A': 'b'})
    return [b'x']

def closing(env, sr):
    sr('200 OK', [])
    return Closing([b'x', b'y', b'z'], env['QUERY_STRING'])

def closing_raises(env, sr):
    sr('200 OK', [])
    return Closing([b'x', 'not bytes'], env['QUERY_STRING'])

def closed_list(env, sr):
    sr('200 OK', [])
    return [repr(closed).encode()]

def file_wrapper(env, sr):
    f = open(env['QUERY_STRING'], 'rb')
    f.read(3)
    headers = [('Content-Type', 'application/octet-stream')]
    if env.get('HTTP_X_LIMIT'):
        headers.append(('Content-Length', env['HTTP_X_LIMIT']))
    sr('200 OK', headers)
    return env['wsgi.file_wrapper'](f, 4)

def file_wrapper_bytesio(env, sr):
    sr('200 OK', [])
    return env['wsgi.file_wrapper'](io.BytesIO(b'0123456789'), blksize=4)

def errors(env, sr):
    e = env['wsgi.errors']
    e.write('line one\nline ')
    e.writelines(['two\n', 'three'])
    e.flush()
    sr('200 OK', [])
    return [b'']

def syspath(env, sr):
    sr('200 OK', [])
    return ['\n'.join(sys.path).encode()]

def modulename(env, sr):
    sr('200 OK', [])
    return [('%s %s' % (__name__, __name__ in sys.modules)).encode()]

def flask_app(env, sr):
    import flask
    app = flask.Flask('t')
    @app.route('/flask')
    def index():
        return 'flask says ' + flask.request.args.get('x', '')
    return app(env, sr)

routes = {name.replace('_', '-'): f for name, f in list(globals().items()) if callable(f) and not isinstance(f, type)}
routes['flask'] = flask_app

def application(env, sr):
    return routes[env['PATH_INFO'].split('/')[1]](env, sr)
)PY";

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
}

struct Cleanup {
    std::string dir;
    ~Cleanup() {
        if (!dir.empty()) std::filesystem::remove_all(dir);
    }
};

}  // namespace

Harness& harness() {
    static Harness* instance = [] {
        auto* h = new Harness();  // never destroyed: Python outlives the tests
        char pattern[] = "/tmp/appserver-python-test-XXXXXX";
        if (::mkdtemp(pattern) == nullptr) std::abort();
        h->dir = pattern;
        static Cleanup cleanup{h->dir};
        std::filesystem::create_directories(h->dir + "/pp1");
        std::filesystem::create_directories(h->dir + "/pp2");
        write_file(h->dir + "/app.py", test_app);

        Options options;
        options.wsgi_file = h->dir + "/app.py";
        options.pythonpath = {h->dir + "/pp1", h->dir + "/pp2"};
        options.threads = 4;
        options.processes = 2;
        h->runtime = make_python_runtime().release();
        std::string error;
        if (!h->runtime->configure(options, error) || !h->runtime->load_app(error)) {
            std::fprintf(stderr, "cannot start the Python test runtime: %s\n", error.c_str());
            std::abort();
        }
        h->runtime->thread_start();
        return h;
    }();
    return *instance;
}

Reply request(const std::string& path, const std::string& body,
              std::vector<std::pair<std::string, std::string>> extra, std::size_t body_chunk,
              std::optional<int> fail_after_writes, BodyReader* reader_override) {
    Harness& h = harness();
    std::string query;
    std::string path_info = path;
    if (auto mark = path.find('?'); mark != std::string::npos) {
        query = path.substr(mark + 1);
        path_info = path.substr(0, mark);
    }
    std::vector<std::pair<std::string, std::string>> vars = {
        {"REQUEST_METHOD", body.empty() ? "GET" : "POST"},
        {"REQUEST_URI", path},
        {"PATH_INFO", path_info},
        {"QUERY_STRING", query},
        {"SERVER_NAME", "localhost"},
        {"SERVER_PORT", "8080"},
        {"SERVER_PROTOCOL", "HTTP/1.1"},
        {"REMOTE_ADDR", "127.0.0.1"},
        {"REMOTE_PORT", "40000"},
        {"HTTP_HOST", "localhost:8080"},
    };
    if (!body.empty()) vars.emplace_back("CONTENT_LENGTH", std::to_string(body.size()));
    for (auto& var : extra) vars.push_back(std::move(var));

    FakeBody reader(body, body_chunk);
    Request req;
    for (const auto& [key, value] : vars) req.vars.emplace_back(key, value);
    req.body = reader_override ? reader_override : &reader;
    Reply reply;
    reply.writer.fail_after_writes = fail_after_writes;
    reply.handled = h.runtime->handle(req, reply.writer);
    reply.body_consumed = reader.consumed();
    return reply;
}

}  // namespace appserver::python::testing
