"""Command-line handlers: one module per area, each `run*(args) -> int` called by main.py."""
