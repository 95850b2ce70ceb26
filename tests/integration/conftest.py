from fixtures import serve, sock_dir  # noqa: F401  (pytest fixtures)
