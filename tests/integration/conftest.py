from fixtures import serve, serve_ready, sock_dir  # noqa: F401  (pytest fixtures)
