"""The kb command line: one module per group of commands, each a thin call
into the library.

May import: kb.read, kb.build and everything below them; not kb.web, which
Datasette loads as a plugin when kb serve starts it.
"""

from kb.cli.main import cli

__all__ = ["cli"]
