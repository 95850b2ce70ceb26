"""Imported by lifecycle.py from the app directory: editing it must trigger py-autoreload too."""
GREETING = "hello"
