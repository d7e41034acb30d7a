"""kb: a SQLite knowledge base of policy recommendations, published with Datasette."""

__version__ = "0.1.0"
