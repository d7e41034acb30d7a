"""Read: questions asked of a built knowledge base, answered as dataclasses.

Holds: search, comparison of two documents and threads (compare), a
document's asks and the government's responses (scorecard), what a
government text took up (uptake), and counts by policy area (area_matrix).
Each takes an open SQLite connection; none writes, and none makes HTML.

May import: kb.rules, kb.text and kb.records; never kb.build, kb.web or kb.cli.
"""
