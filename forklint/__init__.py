"""forklint: find work a forked worker redoes on every fork."""
__version__ = "0.1.0"
