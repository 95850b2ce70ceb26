"""An app that cannot be imported: under lazy-apps every worker fails at start."""
raise RuntimeError("this app refuses to load")
