"""A mule script that fails at start, every time."""
raise RuntimeError("mule script broken on purpose")
