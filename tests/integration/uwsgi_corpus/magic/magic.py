import os

HERE = os.path.dirname(os.path.abspath(__file__))


def application(environ, start_response):
    e = os.environ
    checks = [
        "dir=" + str(e["INI_DIR"] == HERE + "/"),
        "name=" + e["INI_NAME"],
        "ext=" + e["INI_EXT"],
        "dirname=" + str(e["INI_DIRNAME"] == os.path.basename(HERE)),
        "path=" + str(e["INI_PATH"] == os.path.join(HERE, "uwsgi.ini")),
        "discount=" + e["DISCOUNT"],
        "greeting=" + e["GREETING"],
        "workers=" + str(e["WORKERS"] == str(2 * os.cpu_count())),
    ]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [" ".join(checks).encode()]
