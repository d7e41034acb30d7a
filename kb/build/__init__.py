"""Build: from sources/ to a SQLite file, whole or incrementally.

Holds: the manifest (manifest), the build itself (pipeline), writing rows
(store), what a previous build lets the next one keep (incremental), whether
a database is stale (freshness), one build at a time (lock), progress
lines (progress), adding a document to sources/ (add) and writing a
reviewer's verdict to its file (verdicts).

May import: kb.rules, loaders, kb.text and kb.records; never kb.read,
kb.web or kb.cli.
"""
