"""Build: from the sources folder to a knowledge base file, the only wing
that writes one.

Holds: reading the manifest (manifest), reading and parsing every source and
writing the database (pipeline, with the tables in store), what a previous
database lets a build keep (incremental; of its links, link_change),
whether a database is up to date with its sources (freshness), one build
at a time (lock), progress on
stderr (progress), adding a document to the sources (add) and appending a
reviewer's verdict (verdicts), every write to the sources folder under one
lock, through a temporary file renamed into place (writing), and the
snapshot of a database that a server serves (snapshot).

May import: kb.rules, loaders, kb.text and kb.records; never kb.read, kb.web
or kb.cli.

The names below are the wing's public interface, loaded when first used:
importing kb.build.manifest, as every command does, does not load the
pipeline's numpy and jieba.

* ``build(sources_dir, db_path, …)``: a full or incremental build, with a
  ``DocumentReport`` per document; ``build_and_report`` adds the line that
  sums it up; ``BuildError``: a source or a loader's output unfit to write;
* ``parse_sources(sources_dir)``: every document read once, parsed by the
  loader its manifest entry names and checked: a list of ``ParsedSource``
  (its ``source``, ``text``, ``sha256``, ``fingerprint`` and ``parsed``);
  ``read_sources``, ``parse_source`` and ``loader_for`` are its steps;
* ``needs_build(sources_dir, db_path)``: whether the database is stale;
* ``counts`` / ``warnings``: what a parsed document holds and what looks
  wrong in it; ``area_tags``: every row's policy areas with the reviewer's
  overrides.
"""

import importlib

_EXPORTS = {
    "BuildError": "kb.build.pipeline",
    "DocumentReport": "kb.build.pipeline",
    "ParsedSource": "kb.build.pipeline",
    "SourceText": "kb.build.pipeline",
    "area_tags": "kb.build.pipeline",
    "build": "kb.build.pipeline",
    "build_and_report": "kb.build.pipeline",
    "counts": "kb.build.pipeline",
    "loader_for": "kb.build.pipeline",
    "parse_source": "kb.build.pipeline",
    "parse_sources": "kb.build.pipeline",
    "read_sources": "kb.build.pipeline",
    "warnings": "kb.build.pipeline",
    "needs_build": "kb.build.freshness",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
