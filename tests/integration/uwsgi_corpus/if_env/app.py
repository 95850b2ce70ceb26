import os


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    text = f"profile={os.environ.get('APP_PROFILE')} local={os.environ.get('LOCAL_OVERRIDE', 'no')}"
    return [text.encode()]
