"""mount and manage-script-name (issue 13, docs/processes.md): several applications in one server,
chosen per request, with SCRIPT_NAME/PATH_INFO split per PEP 3333."""
import requests

import uwsgi_client
from harness import APPS, free_port
from nginx import Nginx, UWSGI_PASS

MOUNTS = ["--mount", "/shop=mount_app:shop", "--mount", "/shop/admin=mount_app:admin",
          "--mount", "/file=" + str(APPS / "mount_app.py")]


def body(server, path):
    r = requests.get(server.url(path), timeout=10)
    assert r.status_code == 200
    return r.text


def test_manage_script_name_picks_the_longest_prefix(serve):
    s = serve(None, "--module", "mount_app:root", "--pythonpath", str(APPS), *MOUNTS, "--manage-script-name")
    assert body(s, "/shop/cart") == "shop '/shop' '/cart'"
    assert body(s, "/shop") == "shop '/shop' ''"
    assert body(s, "/shop/admin/users") == "admin '/shop/admin' '/users'"
    assert body(s, "/file/x") == "file '/file' '/x'"
    # Whole segments only, and what matches nothing goes to the root application untouched.
    assert body(s, "/shopping") == "root '' '/shopping'"
    assert body(s, "/") == "root '' '/'"
    # The sockets listen before the applications load (as in uWSGI), so the load line is checked once
    # a request has been answered: the master wrote it before it forked the worker that answered.
    assert "/shop/admin -> module mount_app" in s.log()


def test_without_a_root_app_the_first_mounted_is_the_default(serve):
    s = serve(None, "--pythonpath", str(APPS), *MOUNTS, "--manage-script-name")
    assert body(s, "/elsewhere") == "shop '' '/elsewhere'"
    assert body(s, "/file") == "file '/file' ''"


def test_without_manage_script_name_the_front_servers_script_name_chooses(serve):
    port = free_port()
    serve(args=["--socket", f"127.0.0.1:{port}", "--module", "mount_app:root", "--pythonpath", str(APPS), *MOUNTS],
          port=port)
    r = uwsgi_client.request(("127.0.0.1", port), uri="/users", extra={"SCRIPT_NAME": "/shop/admin"})
    assert (r.status, r.body) == (200, b"admin '/shop/admin' '/users'")
    r = uwsgi_client.request(("127.0.0.1", port), uri="/shop/cart")
    assert (r.status, r.body) == (200, b"root '' '/shop/cart'")  # no SCRIPT_NAME, no rewriting: the default


NGINX_SPLIT = UWSGI_PASS.replace("""        location / {{
            include {uwsgi_params};
            uwsgi_pass app;
        }}""", """        location / {{
            include {uwsgi_params};
            uwsgi_pass app;
        }}
        location /split/ {{
            include {uwsgi_params};
            uwsgi_param SCRIPT_NAME /shop;
            uwsgi_param PATH_INFO /cart;
            uwsgi_pass app;
        }}""")


def test_behind_nginx_passing_the_whole_path(serve, tmp_path):
    """nginx's uwsgi_params send PATH_INFO = the whole path: manage-script-name splits it; a location
    that sets SCRIPT_NAME itself (uwsgi_param) chooses the app the other way."""
    port = free_port()
    s = serve(args=["--socket", f"127.0.0.1:{port}", "--module", "mount_app:root", "--pythonpath", str(APPS),
                    *MOUNTS, "--manage-script-name"], port=port)
    front = Nginx(tmp_path, [("127.0.0.1", port)], http=NGINX_SPLIT).start()
    try:
        assert requests.get(front.url("/shop/admin/x?q=1"), timeout=10).text == "admin '/shop/admin' '/x'"
        assert requests.get(front.url("/file"), timeout=10).text == "file '/file' ''"
        assert requests.get(front.url("/other"), timeout=10).text == "root '' '/other'"
    finally:
        front.stop()
    assert s.proc.poll() is None
