"""The command line: the ``vecq`` group and its commands (see ``app.py``)."""

from .app import cli, main

__all__ = ["cli", "main"]
