"""Search the recommendations: Chinese and English, exact, through the
glossary, and fuzzy.

A query is folded like the documents (``kb.search_index.fold``: NFKC, lower
case, Traditional → Simplified, quote marks dropped) and cut into runs of Han
characters and of other letters or digits.  Then, in order:

1. exact: every run must occur (a Han run as a phrase of its bigrams, so any
   substring of two or more characters matches; one character matches as a
   prefix; a word matches a whole word), ranked by bm25 with the title
   weighted above the section and the body;
2. glossary: parts of the query that name a glossary entry (any of its
   names, English or Chinese, or a query of three or more characters that is
   part of a name) also match the entry's other names;
3. fuzzy, only when 1 and 2 found fewer than ``FEW_RESULTS`` rows and the
   query has three or more characters: glossary names within rapidfuzz
   ``ratio`` ≥ ``FUZZY_CUTOFF`` of the query, and rows sharing a bigram with
   the query whose text contains a passage within ``partial_ratio`` ≥
   ``FUZZY_CUTOFF``.

Scores (0–100, one decimal) are banded so that a method can be read off the
number and exact rows always outrank fuzzy ones:

* exact: 60 + 40 × bm25 / best bm25 of the exact rows (the best is 100);
* glossary: 50 + 40 × bm25 / best bm25 of the expanded query (at most 90);
* fuzzy: half the rapidfuzz similarity, so at most 50 (35–50 in practice).

When no row matches exactly or through the glossary, ``suggestions`` lists
the nearest glossary names ("did you mean").  Snippets are HTML-escaped
before the matches are wrapped in ``<mark>``.  No query string raises.
"""

import html
import json
import re
import sqlite3
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from kb.normalize import normalize
from kb.search_index import (
    GLOSSARY_TABLE,
    HAN,
    RANK,
    SEARCH_TABLE,
    GlossaryEntry,
    entry_expression,
    fold,
    index_text,
    is_han,
    load_glossary,
    run_phrase,
    runs,
    unindex_text,
)

MAX_QUERY_CHARS = 500
MAX_RUNS = 32
MAX_LIMIT = 1000
FEW_RESULTS = 3
FUZZY_MIN_CHARS = 3
FUZZY_CUTOFF = 70
FUZZY_CANDIDATES = 200
SUGGESTION_CUTOFF = 60
SUGGESTIONS = 5
SNIPPET_CHARS = 120
SNIPPET_LEAD = 30
CONNECTIONS_CACHED = 16

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_SPACE = re.compile(r"\s+")
_GAP = r"[\W_]{0,3}"
_WORD_CHAR = re.compile(f"[^\\W_{HAN}]")  # a letter or digit that is not Han
_ROW_COLUMNS = (
    "id, title, section, body, document_id, publisher_id, year, kind, number, parent_id, line_start, line_end, page"
)


class SearchIndexMissing(RuntimeError):
    """The database has no search table: build it with ``kb build``."""


@dataclass
class Result:
    id: str
    score: float
    method: str
    title: str
    document_id: str
    publisher_id: str
    year: int | None
    kind: str
    section: str | None
    number: str
    parent_id: str | None
    line_start: int | None
    line_end: int | None
    page: int | None
    snippet: str
    snippet_text: str

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class SearchResults:
    query: str
    results: list[Result] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0

    def __iter__(self):
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "results": [result.to_json() for result in self.results],
            "suggestions": list(self.suggestions),
            "elapsed_ms": self.elapsed_ms,
        }


# --- the glossary, compiled once per glossary ---------------------------------


@dataclass(frozen=True)
class _Name:
    entry: GlossaryEntry
    key: str  # runs joined by single spaces
    compact: str  # what fuzzy matching compares
    word_start: bool  # starts with a word that must not continue to the left
    word_end: bool  # ends with a word that must not continue to the right

    def spans(self, key: str):
        """Where the name occurs in a query key, as whole words at its word ends."""
        start = key.find(self.key)
        while start >= 0:
            end = start + len(self.key)
            if not (self.word_start and start and _WORD_CHAR.match(key[start - 1])) and not (
                self.word_end and end < len(key) and _WORD_CHAR.match(key[end])
            ):
                yield start, end
            start = key.find(self.key, start + 1)


@dataclass(frozen=True)
class _Glossary:
    entries: tuple[GlossaryEntry, ...]
    names: tuple[_Name, ...]
    expressions: dict  # entry id -> FTS5 expression
    choices: dict  # compact name -> index into names, for rapidfuzz


@lru_cache(maxsize=8)
def _compile_glossary(entries: tuple[GlossaryEntry, ...]) -> _Glossary:
    names = tuple(_name(entry, name) for entry in entries for name in entry.names)
    return _Glossary(
        entries=entries,
        names=names,
        expressions={entry.id: entry_expression(entry) for entry in entries},
        choices={name.compact: index for index, name in reversed(list(enumerate(names)))},
    )


def _name(entry: GlossaryEntry, name: str) -> _Name:
    parts = runs(name)
    return _Name(entry, " ".join(parts), _compact(parts), not is_han(parts[0]), not is_han(parts[-1]))


def _compact(parts: list[str]) -> str:
    """Runs as fuzzy matching compares them: Chinese without spaces."""
    return "".join(parts) if any(map(is_han, parts)) else " ".join(parts)


# --- per-connection context ------------------------------------------------------

_CONTEXTS: "OrderedDict[int, tuple[sqlite3.Connection, _Glossary]]" = OrderedDict()


def _context(conn: sqlite3.Connection) -> _Glossary:
    """The glossary for a connection: the database's own table, else the file."""
    cached = _CONTEXTS.get(id(conn))
    if cached and cached[0] is conn:
        _CONTEXTS.move_to_end(id(conn))
        return cached[1]
    if not _has_table(conn, SEARCH_TABLE):
        raise SearchIndexMissing(f"no {SEARCH_TABLE} table: rebuild the database with `kb build`")
    glossary = _compile_glossary(_read_glossary(conn))
    _CONTEXTS[id(conn)] = (conn, glossary)
    while len(_CONTEXTS) > CONNECTIONS_CACHED:
        _CONTEXTS.popitem(last=False)
    return glossary


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [name]).fetchone() is not None


def _read_glossary(conn: sqlite3.Connection) -> tuple[GlossaryEntry, ...]:
    if not _has_table(conn, GLOSSARY_TABLE):
        return load_glossary()
    rows = conn.execute(f"SELECT id, name_zh, name_en, aliases, kind FROM {GLOSSARY_TABLE} ORDER BY rowid")
    return tuple(
        GlossaryEntry(id, name_zh, name_en or "", tuple(json.loads(aliases or "[]")), kind)
        for id, name_zh, name_en, aliases, kind in rows
    )


# --- query plan -----------------------------------------------------------------


@dataclass
class _Piece:
    """A stretch of the query: its runs, and the glossary entries it names."""

    runs: list[str]
    entries: tuple[GlossaryEntry, ...] = ()


@dataclass
class _Plan:
    text: str  # the cleaned query
    runs: list[str]
    terms: list[list[str]]  # the runs of each space-separated term
    pieces: list[_Piece]

    @property
    def compact(self) -> str:
        return _compact(self.runs)


def clean_query(query) -> str:
    """The query as searched: a string, without control characters, capped."""
    text = "" if query is None else str(query)
    return _SPACE.sub(" ", _CONTROL.sub(" ", text[:MAX_QUERY_CHARS])).strip()


def _plan(query: str, glossary: _Glossary) -> _Plan:
    terms = [runs(term)[:MAX_RUNS] for term in query.split(" ")]
    terms = [term for term in terms if term]
    all_runs = [run for term in terms for run in term][:MAX_RUNS]
    return _Plan(query, all_runs, terms, _pieces(" ".join(all_runs), glossary))


def _pieces(key: str, glossary: _Glossary) -> list[_Piece]:
    """The query key cut into literal stretches and stretches naming entries."""
    spans = _name_spans(key, glossary) or _partial_span(key, glossary)
    pieces, position = [], 0
    for (start, end), entries in spans:
        pieces.append(_Piece(key[position:start].split()))
        pieces.append(_Piece(key[start:end].split(), entries))
        position = end
    pieces.append(_Piece(key[position:].split()))
    return [piece for piece in pieces if piece.runs]


def _name_spans(key: str, glossary: _Glossary) -> list:
    """Non-overlapping spans of the key that are glossary names, longest first."""
    found: dict[tuple[int, int], list[GlossaryEntry]] = {}
    for name in glossary.names:
        for span in name.spans(key):
            entries = found.setdefault(span, [])
            if name.entry not in entries:
                entries.append(name.entry)
    chosen: list = []
    for span in sorted(found, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= other[0] or span[0] >= other[1] for other, _ in chosen):
            chosen.append((span, tuple(found[span])))
    return sorted(chosen)


def _partial_span(key: str, glossary: _Glossary) -> list:
    """A query of three or more characters that is part of glossary names."""
    if len(key.replace(" ", "")) < FUZZY_MIN_CHARS:
        return []
    entries = tuple(dict.fromkeys(name.entry for name in glossary.names if key in name.key))
    return [((0, len(key)), entries)] if entries else []


def _runs_expression(parts: list[str]) -> str:
    return " AND ".join(run_phrase(run) for run in parts)


def _literal_expression(plan: _Plan) -> str | None:
    return _runs_expression(plan.runs) or None


def _expanded_expression(plan: _Plan, glossary: _Glossary) -> str | None:
    """The query with every glossary stretch widened to the entries' names."""
    if not any(piece.entries for piece in plan.pieces):
        return None
    parts = []
    for piece in plan.pieces:
        alternatives = [_runs_expression(piece.runs)]
        alternatives += [glossary.expressions[entry.id] for entry in piece.entries]
        parts.append("(" + ") OR (".join(alternatives) + ")")
    return "(" + ") AND (".join(parts) + ")"


def match_expression(query, glossary_entries: tuple[GlossaryEntry, ...] | None = None) -> str:
    """The FTS5 MATCH expression for a query (glossary included), or ''."""
    glossary = _compile_glossary(glossary_entries or load_glossary())
    plan = _plan(clean_query(query), glossary)
    return _expanded_expression(plan, glossary) or _literal_expression(plan) or ""


# --- running the index ---------------------------------------------------------------


@dataclass
class _Filters:
    sql: str = ""
    params: list = field(default_factory=list)


def _filters(publisher, year, document) -> _Filters:
    conditions, params = [], []
    for column, value in (("publisher_id", publisher), ("year", year), ("document_id", document)):
        if value is not None and value != "":
            conditions.append(f"{column} = ?")
            params.append(value)
    if not conditions:
        return _Filters()
    return _Filters(f" AND id IN (SELECT id FROM recommendations WHERE {' AND '.join(conditions)})", params)


def _match(conn, expression: str, filters: _Filters, limit: int, columns: str = "id, rank") -> list[tuple]:
    """Rows matching an FTS5 expression, best first; none for an expression FTS5 refuses."""
    sql = (
        f"SELECT {columns} FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? AND rank MATCH ?"
        f"{filters.sql} ORDER BY rank LIMIT ?"
    )
    try:
        return conn.execute(sql, [expression, RANK, *filters.params, limit]).fetchall()
    except sqlite3.OperationalError as error:
        if "fts5" in str(error) or "MATCH" in str(error):
            return []
        raise


def _banded(rows: list[tuple], floor: float, span: float) -> dict[str, float]:
    """Scores from bm25 ranks: the best row gets floor + span."""
    if not rows:
        return {}
    best = rows[0][1] or -1.0
    return {row[0]: floor + span * min(1.0, (row[1] or 0.0) / best) for row in rows}


def _exact_and_glossary(conn, plan: _Plan, glossary: _Glossary, filters: _Filters, limit: int) -> dict:
    """id -> (score, method) for the rows that match exactly or through the glossary."""
    found: dict[str, tuple[float, str]] = {}
    literal = _literal_expression(plan)
    if literal:
        rows = _match(conn, literal, filters, limit)
        found.update({id: (score, "exact") for id, score in _banded(rows, 60.0, 40.0).items()})
    expanded = _expanded_expression(plan, glossary)
    if expanded:
        rows = _match(conn, expanded, filters, limit + len(found))
        for id, score in _banded(rows, 50.0, 40.0).items():
            found.setdefault(id, (score, "glossary"))
    return found


# --- fuzzy ---------------------------------------------------------------------------


def _close_names(plan: _Plan, glossary: _Glossary, cutoff: float, scorer=fuzz.ratio) -> list[tuple[_Name, float]]:
    """Glossary names near the whole query, best first, one per entry."""
    matches = process.extract(plan.compact, list(glossary.choices), scorer=scorer, score_cutoff=cutoff, limit=40)
    best: dict[str, tuple[_Name, float]] = {}
    for choice, score, _ in matches:
        name = glossary.names[glossary.choices[choice]]
        if name.entry.id not in best:
            best[name.entry.id] = (name, score)
    return sorted(best.values(), key=lambda item: -item[1])


def _fuzzy(conn, plan: _Plan, glossary: _Glossary, filters: _Filters, exclude: set) -> dict:
    """id -> (similarity, highlight) for rows near the query."""
    found: dict[str, tuple[float, str]] = {}
    for name, similarity in _close_names(plan, glossary, FUZZY_CUTOFF)[:3]:
        for id, _ in _match(conn, glossary.expressions[name.entry.id], filters, FUZZY_CANDIDATES):
            if id not in exclude and similarity > found.get(id, (0, ""))[0]:
                found[id] = (similarity, name.key)
    for id, text in _fuzzy_candidates(conn, plan, filters):
        similarity, passage = _similarity(plan, text)
        if id not in exclude and similarity >= FUZZY_CUTOFF and similarity > found.get(id, (0, ""))[0]:
            found[id] = (similarity, passage)
    return found


def _fuzzy_candidates(conn, plan: _Plan, filters: _Filters) -> list[tuple[str, str]]:
    """Rows sharing a token with the query, with their folded text."""
    tokens = sorted({token for run in plan.runs for token in index_text(run).split() if len(token) > 1 or not is_han(token)})
    if not tokens:
        return []
    expression = " OR ".join(f'"{token}"' for token in tokens[:64])
    rows = _match(conn, expression, filters, FUZZY_CANDIDATES, "id, rank, title, section, body")
    return [(row[0], "".join(unindex_text(value or "") for value in row[2:]).replace(" ", "")) for row in rows]


def _similarity(plan: _Plan, text: str) -> tuple[float, str]:
    """The best partial_ratio of the query, or the mean over its terms, in a text."""
    query = plan.compact.replace(" ", "")
    alignment = fuzz.partial_ratio_alignment(query, text)
    if alignment is None:
        return 0.0, ""
    similarity = alignment.score
    if len(plan.terms) > 1:
        per_term = [fuzz.partial_ratio("".join(term), text) for term in plan.terms]
        similarity = max(similarity, sum(per_term) / len(per_term))
    return similarity, text[alignment.dest_start : alignment.dest_end]


def _suggestions(plan: _Plan, glossary: _Glossary) -> list[str]:
    """The nearest glossary names, in the query's script."""
    if not plan.runs:
        return []
    chinese = any(map(is_han, plan.runs))
    close = _close_names(plan, glossary, SUGGESTION_CUTOFF, scorer=fuzz.WRatio)
    labels = [name.entry.name_zh if chinese or not name.entry.name_en else name.entry.name_en for name, _ in close]
    return list(dict.fromkeys(labels))[:SUGGESTIONS]


# --- snippets ----------------------------------------------------------------------


def _loose(text: str) -> str:
    """A regex for folded text that lets a few marks or spaces sit between characters."""
    chars = [char for char in text if not char.isspace()]
    pattern = _GAP.join(re.escape(char) for char in chars)
    if chars and chars[0].isascii() and chars[0].isalnum():
        pattern = "(?<![a-z0-9])" + pattern
    if chars and chars[-1].isascii() and chars[-1].isalnum():
        pattern += "(?![a-z0-9])"
    return pattern


def _highlighter(strings) -> re.Pattern | None:
    strings = sorted({s for s in strings if s and not s.isspace()}, key=len, reverse=True)
    if not strings:
        return None
    return re.compile("|".join(_loose(s) for s in strings))


def _highlights(plan: _Plan, glossary: _Glossary) -> list[str]:
    """What to mark: the query's runs, and the names of the entries it names."""
    strings = [run for run in plan.runs if len(run) > 1 or is_han(run) or len(plan.runs) == 1]
    for piece in plan.pieces:
        strings += [name.key for name in glossary.names if name.entry in piece.entries]
    return strings


def _fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """Folded text, and where each folded character comes from when lengths differ."""
    folded = normalize(text)
    if len(folded) == len(text):
        return folded, None
    parts = [normalize(char) or " " for char in text]
    offsets = [index for index, part in enumerate(parts) for _ in part]
    return "".join(parts), offsets


def _spans(text: str, pattern: re.Pattern | None) -> list[tuple[int, int]]:
    """Where the pattern matches the text, in the text's own offsets."""
    if pattern is None or not text:
        return []
    folded, offsets = _fold_with_offsets(text)
    spans = [match.span() for match in pattern.finditer(folded) if match.end() > match.start()]
    if offsets is None:
        return spans
    return [(offsets[start], offsets[end - 1] + 1) for start, end in spans]


def _snippet(fields: list[str | None], pattern: re.Pattern | None) -> tuple[str, str]:
    """(escaped HTML with <mark>, plain text) around the first match in the first field that has one."""
    fields = [value for value in fields if value]
    if not fields:
        return "", ""
    for value in fields:
        spans = _spans(value, pattern)
        if spans:
            return _window(value, spans)
    return _window(fields[0], [])


def _window(text: str, spans: list[tuple[int, int]]) -> tuple[str, str]:
    start = max(0, spans[0][0] - SNIPPET_LEAD) if spans else 0
    end = min(len(text), start + SNIPPET_CHARS)
    inside = [(max(a, start), min(b, end)) for a, b in spans if a < end and b > start]
    parts_html, parts_text, position = [], [], start
    for a, b in inside:
        if a < position:
            continue
        parts_html += [_escape(text[position:a]), "<mark>", _escape(text[a:b]), "</mark>"]
        parts_text += [text[position:a], text[a:b]]
        position = b
    parts_html.append(_escape(text[position:end]))
    parts_text.append(text[position:end])
    before, after = ("…" if start > 0 else ""), ("…" if end < len(text) else "")
    return before + "".join(parts_html) + after, before + _flat("".join(parts_text)) + after


def _escape(text: str) -> str:
    return html.escape(_flat(text), quote=True)


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text)


# --- results ---------------------------------------------------------------------------


def _rows(conn, ids: list[str]) -> dict[str, sqlite3.Row]:
    if not ids:
        return {}
    placeholders = ", ".join("?" for _ in ids)
    cursor = conn.execute(f"SELECT {_ROW_COLUMNS} FROM recommendations WHERE id IN ({placeholders})", ids)
    names = [description[0] for description in cursor.description]
    return {row[0]: dict(zip(names, row)) for row in cursor}


def _result(row: dict, score: float, method: str, pattern: re.Pattern | None) -> Result:
    snippet, snippet_text = _snippet([row["body"], row["title"], row["section"]], pattern)
    return Result(
        id=row["id"],
        score=round(score, 1),
        method=method,
        title=row["title"],
        document_id=row["document_id"],
        publisher_id=row["publisher_id"],
        year=row["year"],
        kind=row["kind"],
        section=row["section"],
        number=row["number"],
        parent_id=row["parent_id"],
        line_start=row["line_start"],
        line_end=row["line_end"],
        page=row["page"],
        snippet=snippet,
        snippet_text=snippet_text,
    )


def search(conn: sqlite3.Connection, query, *, limit: int = 20, publisher=None, year=None, document=None) -> SearchResults:
    """Search the recommendations; see the module docstring for how."""
    started = time.perf_counter()
    glossary = _context(conn)
    text = clean_query(query)
    plan = _plan(text, glossary)
    limit = max(1, min(int(limit or 20), MAX_LIMIT))
    filters = _filters(publisher, year, document)
    found = _exact_and_glossary(conn, plan, glossary, filters, limit) if plan.runs else {}
    fuzzy = {}
    if len(found) < FEW_RESULTS and len(plan.compact.replace(" ", "")) >= FUZZY_MIN_CHARS:
        fuzzy = _fuzzy(conn, plan, glossary, filters, set(found))
    results = _results(conn, plan, glossary, found, fuzzy, limit)
    suggestions = _suggestions(plan, glossary) if not found else []
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    return SearchResults(text, results, suggestions, elapsed)


def _results(conn, plan: _Plan, glossary: _Glossary, found: dict, fuzzy: dict, limit: int) -> list[Result]:
    scored = [(score, order, id, method, None) for order, (id, (score, method)) in enumerate(found.items())]
    scored += [
        (similarity / 2, len(found) + order, id, "fuzzy", passage)
        for order, (id, (similarity, passage)) in enumerate(fuzzy.items())
    ]
    scored = sorted(scored, key=lambda item: (-round(item[0], 1), item[1]))[:limit]
    rows = _rows(conn, [item[2] for item in scored])
    base = _highlights(plan, glossary)
    pattern = _highlighter(base)
    return [
        _result(rows[id], score, method, _highlighter(base + [passage]) if passage else pattern)
        for score, _, id, method, passage in scored
        if id in rows
    ]


# --- SQL functions ---------------------------------------------------------------------


def sql_normalize(text) -> str:
    """kb_normalize(text): the folded form documents and queries are matched in."""
    return normalize(None if text is None else str(text))


def sql_fuzzy_score(a, b) -> float:
    """kb_fuzzy_score(a, b): 0–100, how well ``a`` matches the best part of ``b`` (folded)."""
    if a is None or b is None:
        return 0.0
    return round(float(fuzz.partial_ratio(fold(str(a)), fold(str(b)))), 1)


def sql_bigrams(text) -> str:
    """kb_bigrams(text): text as the search index stores it."""
    return index_text(None if text is None else str(text))


def sql_match(query) -> str:
    """kb_search_match(query): an FTS5 MATCH expression for recommendations_search."""
    return match_expression(query)


SQL_FUNCTIONS = {
    "kb_normalize": (sql_normalize, 1),
    "kb_fuzzy_score": (sql_fuzzy_score, 2),
    "kb_bigrams": (sql_bigrams, 1),
    "kb_search_match": (sql_match, 1),
}


def register_sql_functions(conn: sqlite3.Connection) -> None:
    """Make the ``kb_*`` functions above callable from SQL on a connection."""
    for name, (function, arity) in SQL_FUNCTIONS.items():
        conn.create_function(name, arity, function, deterministic=True)
