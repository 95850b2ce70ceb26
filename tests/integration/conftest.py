from fixtures import serve, serve_ready, servers, sock_dir  # noqa: F401  (pytest fixtures)
