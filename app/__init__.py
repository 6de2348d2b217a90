"""openrush-tui: a terminal dashboard for an OpenRush account."""

__version__ = "0.1.0"
