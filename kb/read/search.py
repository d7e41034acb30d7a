"""Search the recommendations: Chinese and English, exact, through the
glossary, and fuzzy.

A query is folded like the documents (``kb.rules.search_index.fold``: NFKC, lower
case, Traditional → Simplified, quote marks dropped) and cut into runs of Han
characters and of other letters or digits.  Then:

1. exact: every run must occur in the row (a Han run as a phrase of its
   bigrams, so any substring of two or more characters matches; a single
   character as a prefix; a word as a whole word), ranked by bm25 with the
   title weighted 8, the section 3 and the body 1;
2. glossary: stretches of the query that are a glossary name (Chinese or
   English, any alias; or a query of three or more characters that is part of
   a name) also match the entry's other names.  Both run as one FTS5 query;
   a row is "exact" when it matches the query's own words, else "glossary";
   English words the glossary leaves are read as Chinese terms through
   CC-CEDICT (``kb.rules.english``; English stop words dropped), and match
   those terms too; a row found only so is "dictionary";
3. fuzzy, only when 1 and 2 found fewer than ``FEW_RESULTS`` rows and the
   query has three or more characters: the rows of the glossary entries whose
   names are within rapidfuzz ``ratio`` ≥ ``FUZZY_CUTOFF`` of the query, and
   rows sharing the query's rarer bigrams whose text holds a passage within
   ``partial_ratio`` ≥ ``FUZZY_CUTOFF`` (for several words, the mean over the
   words counts too).

Scores (0–100, one decimal) are banded, so the method can be read off the
number and exact rows always score above fuzzy ones:

* exact: 60 + 40 × bm25 / the best exact bm25 (the best row scores 100);
* glossary or dictionary: 50 + 40 × bm25 / the best bm25 of the query (at most 90);
* dictionary, when every word together matches fewer rows than asked for:
  rows holding a phrase's words but not its reading, 40 + 10 × bm25 / the
  best; then rows without a word that only names a kind (scheme, plan …),
  30 + 10 × bm25 / the best;
* dictionary, when every word together matches fewer than ``FEW_RESULTS``
  rows: rows matching some of the words, 40 + 20 × bm25 / the best (at most 60);
* fuzzy: half the rapidfuzz similarity (at most 50; 35–50 in practice).

bm25 costs about a microsecond per matching row, so an expression that
matches more than ``RANK_ALL`` rows is ranked over its first ``RANK_ALL``
matches in reading order (``kb.rules.search_index``: rowid = document, ordinal).

When nothing matches exactly or through the glossary, ``suggestions`` holds
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

from itertools import groupby

from rapidfuzz import fuzz, process

from kb.text.normalize import HAN, normalize, normalize_term
from kb.rules import english
from kb.rules.english import read_english
from kb.rules.search_index import (
    GLOSSARY_TABLE,
    RANK,
    SEARCH_TABLE,
    GlossaryEntry,
    fold,
    index_text,
    is_han,
    load_glossary,
    name_phrase_tokens,
    phrase,
    run_phrase_tokens,
    runs,
    unindex_text,
)

MAX_QUERY_CHARS = 500
MAX_RUNS = 32
MAX_LIMIT = 1000
RANK_ALL = 2000
FEW_RESULTS = 3
FUZZY_MIN_CHARS = 3
FUZZY_CUTOFF = 70
FUZZY_CANDIDATES = 100
FUZZY_ENTRIES = 2
SUGGESTION_CUTOFF = 75
SUGGESTIONS = 5
SNIPPET_CHARS = 120
SNIPPET_LEAD = 30
CONNECTIONS_CACHED = 16
TERM_ROWS_COUNTED = 100
TERM_ROWS_WEIGHED = 2000  # how far a character's rows and its words' are counted (english._character_terms)
CHARACTER_ROWS = 30  # a character more rows hold is too common to back off to (english._characters_back_off)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_SPACE = re.compile(r"\s+")
_WORD_CHAR = re.compile(f"[^\\W_{HAN}]")  # a letter or digit that is not Han
_GAP = r"[\W_]{0,3}"
_ROW_COLUMNS = (
    "id, title, section, body, document_id, publisher_id, year, kind, number, parent_id, line_start, line_end, page"
)

Phrase = tuple[tuple[str, ...], bool]  # tokens, and whether the last one is a prefix
Alternative = tuple[Phrase, ...]  # phrases that must all match


class SearchIndexMissing(RuntimeError):
    """The database has no search table: build it with ``kb build``."""


@dataclass
class Result:
    id: str
    score: float
    method: str  # exact | glossary | dictionary | fuzzy
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
    snippet: str | None  # HTML: escaped text, matches in <mark> (None until made: search(snippets=False))
    snippet_text: str | None

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Reading:
    """How an English stretch of the query was read: the Chinese terms it
    matched, from the glossary or the dictionary, and those the user dropped."""

    english: str
    terms: list[str]
    source: str  # glossary | Hong Kong usage | dictionary | glossary and Hong Kong usage | glossary and dictionary
    dropped: list[str] = field(default_factory=list)
    widened: list[list[str]] = field(default_factory=list)  # a phrase's words' own terms, searched after its terms

    @property
    def line(self) -> str:
        said = f"{self.english} → {', '.join(self.terms) or '(itself)'}"
        if self.widened:
            said += f" (then {' + '.join('/'.join(part) for part in self.widened)})"
        return said

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class SearchResults:
    query: str
    results: list[Result] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0
    readings: list[Reading] = field(default_factory=list)

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
            "readings": [reading.to_json() for reading in self.readings],
        }

    @property
    def read_as(self) -> str:
        """How the English of the query was read, in a line ('' when it had none)."""
        return "; ".join(reading.line for reading in self.readings)


# --- the glossary, compiled once per glossary ---------------------------------


@dataclass(frozen=True, eq=False)
class _Name:
    entry: GlossaryEntry
    key: str  # the name's runs joined by single spaces
    compact: str  # what fuzzy matching compares
    word_start: bool  # starts with a word that must not continue to the left
    word_end: bool  # ends with a word that must not continue to the right
    part: bool = False  # English words that are only part of an office's or scheme's full English name


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


@dataclass(frozen=True, eq=False)
class _Glossary:
    entries: dict  # id -> GlossaryEntry
    names: tuple[_Name, ...]
    phrases: dict  # entry id -> tuple of Phrase, one per name
    choices: dict  # compact name -> index into names, for rapidfuzz


@lru_cache(maxsize=8)
def _compile_glossary(entries: tuple[GlossaryEntry, ...]) -> _Glossary:
    names = tuple(_name(entry, name) for entry in entries for name in entry.names)
    return _Glossary(
        entries={entry.id: entry for entry in entries},
        names=names,
        phrases={entry.id: tuple(filter(None, map(name_phrase_tokens, entry.names))) for entry in entries},
        choices={name.compact: index for index, name in reversed(list(enumerate(names)))},
    )


def _name(entry: GlossaryEntry, name: str) -> _Name:
    parts = runs(name)
    return _Name(entry, " ".join(parts), _compact(parts), not is_han(parts[0]), not is_han(parts[-1]),
                 _part_of_full_name(entry, parts))


# Kinds whose entries are full names (of offices, schemes, funds): inside a longer
# query, read from a whole name, an abbreviation or a short name that says what
# the entry is (SME marketing fund), never from other words of the name
# (attracting enterprises, investment and talent); a whole query that is part of
# names is read both ways, as before (top talent)
FULL_NAME_KINDS = frozenset({"body", "scheme", "fund"})
HEAD_NOUNS = frozenset("""office offices fund funds scheme schemes programme programmes program programs plan plans
    centre centres center centers council councils committee committees bureau board authority agency unit commission
    corporation initiative project foundation institute department team""".split())


def _part_of_full_name(entry: GlossaryEntry, parts: list[str]) -> bool:
    """Whether English words are only some of the words of an office's or
    scheme's full English name ("attracting enterprises" of the Office for
    Attracting Strategic Enterprises): they name the entry no more than any
    other words do."""
    if entry.kind not in FULL_NAME_KINDS or any(map(is_han, parts)):
        return False
    full = runs(entry.name_en or "")
    return len(parts) < len(full) and set(parts) <= set(full) and not HEAD_NOUNS & set(parts)


def _compact(parts: list[str]) -> str:
    """Runs as fuzzy matching compares them: Chinese without spaces."""
    return "".join(parts) if any(map(is_han, parts)) else " ".join(parts)


# --- per-connection context ------------------------------------------------------

_CONTEXTS: "OrderedDict[int, tuple[sqlite3.Connection, _Glossary, dict]]" = OrderedDict()


def _context(conn: sqlite3.Connection) -> _Glossary:
    """The glossary for a connection: the database's own table, else the file.

    Kept for the last ``CONNECTIONS_CACHED`` connections (sqlite3 connections
    take no weak references, so the cache holds them and checks identity).
    """
    cached = _CONTEXTS.get(id(conn))
    if cached and cached[0] is conn:
        _CONTEXTS.move_to_end(id(conn))
        return cached[1]
    if not _has_table(conn, SEARCH_TABLE):
        raise SearchIndexMissing(f"no {SEARCH_TABLE} table: rebuild the database with `kb build`")
    glossary = _compile_glossary(_read_glossary(conn))
    _CONTEXTS[id(conn)] = (conn, glossary, {})
    while len(_CONTEXTS) > CONNECTIONS_CACHED:
        _CONTEXTS.popitem(last=False)
    return glossary


def _term_counter(conn: sqlite3.Connection) -> english.Count:
    """How many rows of the index hold a Chinese term (counting no further
    than ``TERM_ROWS_COUNTED``), remembered per connection: what the English
    reading weighs the dictionary's terms by."""
    _context(conn)
    counts = _CONTEXTS[id(conn)][2]

    def count(term: str) -> int:
        if term not in counts:
            tokens = name_phrase_tokens(term)
            counts[term] = _count(conn, phrase(*tokens), TERM_ROWS_COUNTED) if tokens else 0
        return counts[term]

    def holding(char: str) -> dict[str, int]:
        """The text's two-character words (Simplified) holding a Chinese
        character, and how many rows hold each; none when more than
        ``CHARACTER_ROWS`` rows hold the character (too common to tell)."""
        key = ("holding", char)
        if key not in counts:
            counts[key] = _holding(conn, fold(char))
        return counts[key]

    def rows(term: str) -> int:
        """How many rows hold a term, counting up to ``TERM_ROWS_WEIGHED``:
        how common a character is against its words."""
        key = ("rows", term)
        if key not in counts:
            tokens = name_phrase_tokens(term)
            counts[key] = _count(conn, phrase(*tokens), TERM_ROWS_WEIGHED) if tokens else 0
        return counts[key]

    count.holding = holding
    count.rows = rows
    return count


def _holding(conn, char: str) -> dict[str, int]:
    if len(char) != 1 or not is_han(char):
        return {}
    sql = f"SELECT title, section, body FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? LIMIT ?"
    rows = _fetch(conn, sql, [phrase((char,), True), CHARACTER_ROWS + 1])
    if len(rows) > CHARACTER_ROWS:
        return {}
    held: dict[str, int] = {}
    for row in rows:
        for token in {token for column in row for token in (column or "").split() if len(token) == 2 and char in token}:
            held[token] = held.get(token, 0) + 1
    return held


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


# --- the query plan -------------------------------------------------------------


@dataclass
class _Piece:
    """A stretch of the query: its runs, the ids of the glossary entries it
    names, and the Chinese terms the dictionary reads its English as."""

    runs: list[str]
    entries: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    english: bool = False  # read through the dictionary
    partial: bool = False  # the whole query is only part of glossary names
    known: bool = False  # English the dictionary has, whether or not its terms are in the text
    dropped: tuple[str, ...] = ()  # terms or entry names the user dropped
    parts: tuple[tuple[str, ...], ...] = ()  # a phrase's words' own terms: what it widens to
    usage: bool = False  # its terms are Hong Kong usage's (kb/rules/data/hong_kong_english.yml)


@dataclass
class _Plan:
    text: str  # the cleaned query
    runs: list[str]
    terms: list[list[str]]  # the runs of each space-separated term
    pieces: list[_Piece]

    @property
    def translated(self) -> bool:
        """Whether the dictionary read any of the query's words."""
        return any(piece.terms for piece in self.pieces)

    @property
    def compact(self) -> str:
        return _compact(self.runs)

    @property
    def length(self) -> int:
        return len(self.compact.replace(" ", ""))


def clean_query(query) -> str:
    """The query as searched: a string, without control characters, capped."""
    text = "" if query is None else str(query)
    return _SPACE.sub(" ", _CONTROL.sub(" ", text[:MAX_QUERY_CHARS])).strip()


def _plan(query: str, glossary: _Glossary, dictionary: bool = False, drop=(), count=None) -> _Plan:
    terms = [term_runs for term_runs in (runs(term)[:MAX_RUNS] for term in query.split(" ")) if term_runs]
    all_runs = [run for term_runs in terms for run in term_runs][:MAX_RUNS]
    pieces = _pieces(" ".join(all_runs), glossary)
    if dictionary:
        pieces = _read_english(pieces, count) or pieces
    if drop:
        pieces = [_without(piece, glossary, {fold(term) for term in drop}) for piece in pieces]
    return _Plan(query, all_runs, terms, pieces)


def _is_english(run: str) -> bool:
    return not is_han(run) and any(char.isalpha() for char in run)


def _read_english(pieces: list[_Piece], count=None) -> list[_Piece]:
    """The literal pieces' English words read through the dictionary (terms
    weighed by ``count``, rows of the text holding them), stop words dropped;
    the glossary's pieces and Chinese runs as they were."""
    read = []
    for piece in pieces:
        if piece.entries and piece.partial and all(map(_is_english, piece.runs)):
            # an English word that is only part of glossary names ("talent" in
            # "top talent"): the dictionary's reading counts as well
            readings = read_english(piece.runs, count)
            terms = tuple(t for r in readings for t in r.terms)
            usage = bool(readings) and all(r.usage for r in readings)
            read.append(_Piece(piece.runs, piece.entries, terms, english=bool(terms), partial=True, usage=usage))
            continue
        if piece.entries:
            read.append(piece)
            continue
        for english, group in groupby(piece.runs, key=_is_english):
            group = list(group)
            if not english:
                read.append(_Piece(group))
                continue
            read += [_Piece(list(r.words), terms=r.terms, english=True, known=r.known, parts=r.parts, usage=r.usage)
                     for r in read_english(group, count)]
    return read


def _without(piece: _Piece, glossary: _Glossary, dropped: set[str]) -> _Piece:
    """A piece less the terms and glossary entries (by Chinese name) the user dropped."""
    terms = tuple(term for term in piece.terms if fold(term) not in dropped)
    entries = tuple(id for id in piece.entries if fold(glossary.entries[id].name_zh) not in dropped)
    gone = [term for term in piece.terms if term not in terms]
    gone += [glossary.entries[id].name_zh for id in piece.entries if id not in entries]
    parts = tuple(tuple(term for term in part if fold(term) not in dropped) for part in piece.parts)
    gone += [term for part in piece.parts for term in part if fold(term) in dropped and term not in gone]
    return _Piece(piece.runs, entries, terms, piece.english, piece.partial, piece.known, tuple(gone),
                  parts if all(parts) else (), piece.usage)


def _readings(plan: _Plan, glossary: _Glossary) -> list[Reading]:
    """How each English stretch of the query was read."""
    readings = []
    for piece in plan.pieces:
        if not any(map(_is_english, piece.runs)):
            continue
        if piece.english:
            names = [glossary.entries[id].name_zh for id in piece.entries]
            source = "Hong Kong usage" if piece.usage else "dictionary"
            source = f"glossary and {source}" if names else source
            readings.append(Reading(_english(piece.runs), names + list(piece.terms), source, list(piece.dropped),
                                    [list(part) for part in piece.parts]))
        elif piece.entries or piece.dropped:
            names = [glossary.entries[id].name_zh for id in piece.entries]
            readings.append(Reading(" ".join(piece.runs), names, "glossary", list(piece.dropped)))
    return readings


def _english(words: list[str]) -> str:
    """English words as said back: single letters as the abbreviation they are (r&d)."""
    if len(words) > 1 and all(len(word) == 1 for word in words):
        return "&".join(words)
    return " ".join(words)


def _pieces(key: str, glossary: _Glossary) -> list[_Piece]:
    """The query key cut into literal stretches and stretches naming entries."""
    spans = _name_spans(key, glossary)
    partial = not spans
    spans = spans or _partial_span(key, glossary)
    pieces, position = [], 0
    for (start, end), entries in spans:
        pieces.append(_Piece(key[position:start].split()))
        pieces.append(_Piece(key[start:end].split(), entries, partial=partial))
        position = end
    pieces.append(_Piece(key[position:].split()))
    return [piece for piece in pieces if piece.runs]


def _name_spans(key: str, glossary: _Glossary) -> list:
    """Non-overlapping spans of the key that are glossary names, longest first."""
    found: dict[tuple[int, int], dict[str, None]] = {}
    for name in glossary.names:
        if name.part:
            continue
        for span in name.spans(key):
            found.setdefault(span, {})[name.entry.id] = None
    chosen: list = []
    for span in sorted(found, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= other[0] or span[0] >= other[1] for other, _ in chosen):
            chosen.append((span, tuple(found[span])))
    return sorted(chosen)


def _partial_span(key: str, glossary: _Glossary) -> list:
    """A query of three or more characters that is part of glossary names."""
    if len(key.replace(" ", "")) < FUZZY_MIN_CHARS:
        return []
    entries = tuple(dict.fromkeys(name.entry.id for name in glossary.names if key in name.key))
    return [((0, len(key)), entries)] if entries else []


# --- FTS5 expressions ----------------------------------------------------------------


def _runs_alternative(parts: list[str]) -> Alternative:
    return tuple(run_phrase_tokens(run) for run in parts)


def _expression(alternatives: list[Alternative]) -> str:
    """OR of alternatives, each an AND of phrases."""
    return " OR ".join("(" + " AND ".join(phrase(*p) for p in alternative) + ")" for alternative in alternatives)


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    size = len(shorter)
    return any(longer[i : i + size] == shorter for i in range(len(longer) - size + 1))


def _implies(narrow: Alternative, wide: Alternative) -> bool:
    """Whether every row ``narrow`` matches is matched by ``wide`` too."""
    return all(not prefix and any(_contains(tokens, needle) for tokens, _ in narrow) for needle, prefix in wide)


def _minimal(alternatives: list[Alternative]) -> list[Alternative]:
    """The alternatives no other one already covers: fewer phrases to run and
    to score, so bm25 does not count one occurrence twice."""
    unique = list(dict.fromkeys(alternatives))
    return [
        alternative
        for i, alternative in enumerate(unique)
        if not any(
            j != i and _implies(alternative, other) and (j < i or not _implies(other, alternative))
            for j, other in enumerate(unique)
        )
    ]


def _literal_expression(plan: _Plan) -> str | None:
    return _expression([_runs_alternative(plan.runs)]) if plan.runs else None


def _expanded_expression(plan: _Plan, glossary: _Glossary) -> str | None:
    """The query with every glossary stretch widened to its entries' names,
    and every English word read through the dictionary widened to its terms."""
    if not any(piece.entries or piece.english for piece in plan.pieces) or not plan.pieces:
        return None
    return " AND ".join("(" + _piece_expression(piece, glossary) + ")" for piece in plan.pieces)


def _piece_expression(piece, glossary: _Glossary) -> str:
    """One piece of the query as written, or any glossary name or term it reads as."""
    alternatives = [_runs_alternative(piece.runs)]
    alternatives += [(p,) for entry in piece.entries for p in glossary.phrases[entry]]
    alternatives += [(p,) for p in filter(None, map(name_phrase_tokens, piece.terms))]
    return _expression(_minimal(alternatives))


def _widened_expression(plan: _Plan, glossary: _Glossary) -> str | None:
    """The expanded query with each English phrase read as a whole widened to
    its words read one by one (real economy: 真正經濟, or 真正 … and 經濟 …):
    what rows the phrase's own reading misses may still hold."""
    if not any(piece.parts for piece in plan.pieces):
        return None
    parts = []
    for piece in plan.pieces:
        either = [_piece_expression(piece, glossary)]
        if piece.parts:
            words = [_expression(_minimal([(p,) for p in filter(None, map(name_phrase_tokens, part))])) for part in piece.parts]
            either.append(" AND ".join(f"({word})" for word in words))
        parts.append("(" + " OR ".join(f"({one})" for one in either) + ")")
    return " AND ".join(parts)


def _entry_expression(glossary: _Glossary, entry_id: str) -> str:
    return _expression(_minimal([(p,) for p in glossary.phrases[entry_id]]))


def match_expression(query, glossary_entries: tuple[GlossaryEntry, ...] | None = None) -> str:
    """The FTS5 MATCH expression for a query (glossary included), or ''."""
    glossary = _compile_glossary(glossary_entries or load_glossary())
    plan = _plan(clean_query(query), glossary)
    return _expanded_expression(plan, glossary) or _literal_expression(plan) or ""


def _literal_needles(plan: _Plan) -> list[str]:
    """Per run, its phrase as it stands in a column's index text (tokens
    joined by single spaces): space-bounded, or only space-led for a prefix."""
    needles = []
    for run in plan.runs:
        tokens, prefix = run_phrase_tokens(run)
        needles.append(" " + " ".join(tokens) + ("" if prefix else " "))
    return needles


def _is_literal(needles: list[str], columns) -> bool:
    """Whether every run of the query is in the row, as the literal expression asks."""
    padded = [f" {column or ''} " for column in columns]
    return all(any(needle in column for column in padded) for needle in needles)


# --- running the index ---------------------------------------------------------------


@dataclass
class _Filters:
    sql: str = ""
    params: list = field(default_factory=list)


WITHIN = ("recommendations", "government", "all")  # what a search covers: asks, government paragraphs, both
_GOVERNMENT_ROWS = "SELECT p.id FROM paragraphs p JOIN documents d ON d.id = p.document_id"


def _filters(publisher, year, document, within: str = "recommendations") -> _Filters:
    conditions, params = [], []
    if isinstance(year, int) and not -(2**63) <= year < 2**63:
        year = str(year)  # too large for SQLite's integers: matches no row, as any other year without rows
    for column, value in (("publisher_id", publisher), ("year", year), ("document_id", document)):
        if value is not None and value != "":
            conditions.append(f"{column} = ?")
            params.append(value)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    if within == "all":
        if not conditions:
            return _Filters()
        government = where.replace("publisher_id", "d.publisher_id").replace("year", "d.year").replace("document_id", "p.document_id")
        return _Filters(f" AND id IN (SELECT id FROM recommendations{where} UNION ALL {_GOVERNMENT_ROWS}{government})", params * 2)
    if within == "government":
        government = where.replace("publisher_id", "d.publisher_id").replace("year", "d.year").replace("document_id", "p.document_id")
        return _Filters(f" AND id IN ({_GOVERNMENT_ROWS}{government})", params)
    return _Filters(f" AND id IN (SELECT id FROM recommendations{where})", params)


def _fetch(conn, sql: str, params: list) -> list[tuple]:
    """Rows of a query; none when FTS5 refuses the expression."""
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as error:
        if "fts5" in str(error) or "MATCH" in str(error):
            return []
        raise


def _match(conn, expression: str, filters: _Filters, limit: int, columns: str = "id, rank") -> list[tuple]:
    """Rows matching an FTS5 expression, best first (bm25 over at most ``RANK_ALL`` matches)."""
    cap = _rowid_cap(conn, expression)
    bound = "" if cap is None else f" AND rowid < {int(cap)}"
    sql = (
        f"SELECT {columns} FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? AND rank MATCH ?"
        f"{bound}{filters.sql} ORDER BY rank LIMIT ?"
    )
    return _fetch(conn, sql, [expression, RANK, *filters.params, limit])


def _rowid_cap(conn, expression: str) -> int | None:
    """The rowid of the first match past ``RANK_ALL``, if there is one."""
    sql = f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? LIMIT 1 OFFSET ?"
    rows = _fetch(conn, sql, [expression, RANK_ALL])
    return rows[0][0] if rows else None


def _count(conn, expression: str, most: int) -> int:
    """How many rows match, ignoring filters, counting no further than ``most``."""
    sql = f"SELECT count(*) FROM (SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? LIMIT ?)"
    rows = _fetch(conn, sql, [expression, most])
    return rows[0][0] if rows else 0


def _banded(rows: list[tuple], floor: float, span: float) -> dict[str, float]:
    """Scores from bm25 ranks (negative, lower is better): the best row gets floor + span."""
    if not rows:
        return {}
    best = rows[0][1] or -1.0
    return {row[0]: floor + span * min(1.0, (row[1] or 0.0) / best) for row in rows}


def _any_piece_expression(plan: _Plan, glossary: _Glossary) -> str | None:
    """Rows matching any piece of an English query read through the dictionary:
    when all of them together match too few rows, one mistranslated word
    ("show" in "drone show") does not lose the rest; bm25 puts rows matching
    more pieces first.  Not when a word is not in the dictionary at all: it
    may be a typo, which the fuzzy step and the suggestions are for."""
    if not plan.translated or len(plan.pieces) < 2 or not all(p.terms or p.entries or p.known for p in plan.pieces):
        return None
    return " OR ".join(f"({_expanded_expression(_Plan(plan.text, piece.runs, [], [piece]), glossary) or _expression([_runs_alternative(piece.runs)])})"
                       for piece in plan.pieces)


def _exact_and_glossary(conn, plan: _Plan, glossary: _Glossary, filters: _Filters, limit: int) -> dict:
    """id -> (score, method) for the rows that match exactly or through the glossary."""
    found = _all_pieces(conn, plan, glossary, filters, limit)
    either = _any_piece_expression(plan, glossary) if len(found) < FEW_RESULTS else None
    if either:
        for id, score in _banded(_match(conn, either, filters, limit), 40.0, 20.0).items():
            found.setdefault(id, (score, "dictionary"))
    return found


def _all_pieces(conn, plan: _Plan, glossary: _Glossary, filters: _Filters, limit: int) -> dict:
    """id -> (score, method) for the rows matching every piece of the query."""
    expanded = _expanded_expression(plan, glossary)
    if expanded is None:
        rows = _match(conn, _literal_expression(plan), filters, limit)
        return {id: (score, "exact") for id, score in _banded(rows, 60.0, 40.0).items()}
    rows = _match(conn, expanded, filters, 2 * limit, "id, rank, title, section, body")
    needles = _literal_needles(plan)
    exact = [row[:2] for row in rows if _is_literal(needles, row[2:])]
    found = {id: (score, "exact") for id, score in _banded(exact, 60.0, 40.0).items()}
    widened = "dictionary" if plan.translated else "glossary"
    for id, score in _banded([row[:2] for row in rows], 50.0, 40.0).items():
        found.setdefault(id, (score, widened))
    wider = _widened_expression(plan, glossary) if len(found) < limit else None
    if wider:  # rows holding a phrase's words but not the phrase's reading come after
        for id, score in _banded(_match(conn, wider, filters, limit), 40.0, 10.0).items():
            found.setdefault(id, (score, "dictionary"))
    unnamed = _without_kind_words(plan, glossary) if len(found) < limit else None
    if unnamed:  # then rows naming the thing without the word for its kind (a bond, not a bond scheme)
        for id, score in _banded(_match(conn, unnamed, filters, limit), 30.0, 10.0).items():
            found.setdefault(id, (score, "dictionary"))
    return found


KIND_WORDS = frozenset("""scheme schemes programme programmes program programs plan plans initiative initiatives
    project projects measure measures arrangement arrangements""".split())


def _without_kind_words(plan: _Plan, glossary: _Glossary) -> str | None:
    """The expanded query less its English pieces that only say what kind of
    thing the rest names (scheme, programme, plan, measures …): the text may
    name a scheme without the word (基礎建設債券 for "infrastructure bond
    scheme").  None when no such piece, or nothing else, is left."""
    kept = [piece for piece in plan.pieces if not (piece.english and set(piece.runs) <= KIND_WORDS)]
    if len(kept) == len(plan.pieces) or not kept:
        return None
    return _expanded_expression(_Plan(plan.text, plan.runs, plan.terms, kept), glossary)


# --- fuzzy ---------------------------------------------------------------------------


def _close_names(plan: _Plan, glossary: _Glossary, cutoff: float, scorer=fuzz.ratio) -> list[tuple[_Name, float]]:
    """Glossary names near the whole query, best first, one per entry."""
    matches = process.extract(plan.compact, list(glossary.choices), scorer=scorer, score_cutoff=cutoff, limit=40)
    best: dict[str, tuple[_Name, float]] = {}
    for choice, score, _ in matches:
        name = glossary.names[glossary.choices[choice]]
        best.setdefault(name.entry.id, (name, score))
    return sorted(best.values(), key=lambda item: -item[1])


def _fuzzy(conn, plan: _Plan, glossary: _Glossary, filters: _Filters, exclude: set) -> dict:
    """id -> (similarity, what to mark) for rows near the query."""
    found: dict[str, tuple[float, tuple[str, ...]]] = {}

    def keep(id, similarity, marks):
        if id not in exclude and similarity >= FUZZY_CUTOFF and similarity > found.get(id, (0,))[0]:
            found[id] = (similarity, marks)

    for name, similarity in _close_names(plan, glossary, FUZZY_CUTOFF)[:FUZZY_ENTRIES]:
        marks = tuple(other.key for other in glossary.names if other.entry.id == name.entry.id)
        for id, _ in _match(conn, _entry_expression(glossary, name.entry.id), filters, FUZZY_CANDIDATES):
            keep(id, similarity, marks)
    for id, text in _fuzzy_candidates(conn, plan, filters):
        similarity, passage = _similarity(plan, text)
        keep(id, similarity, (passage,))
    return found


def _fuzzy_candidates(conn, plan: _Plan, filters: _Filters) -> list[tuple[str, str]]:
    """Rows sharing the query's rarer tokens, with their folded text."""
    tokens = _rare_tokens(conn, plan)
    if not tokens:
        return []
    expression = " OR ".join(phrase((token,)) for token in tokens)
    rows = _match(conn, expression, filters, FUZZY_CANDIDATES, "id, rank, title, section, body")
    return [(row[0], "".join(unindex_text(value or "") for value in row[2:]).replace(" ", "")) for row in rows]


def _rare_tokens(conn, plan: _Plan) -> list[str]:
    """The query's tokens that occur, rarest first, while together they match
    at most ``RANK_ALL`` rows (at least one token)."""
    tokens = {token for run in plan.runs for token in index_text(run).split() if len(token) > 1 or not is_han(token)}
    counted = sorted((_count(conn, phrase((token,)), RANK_ALL + 1), token) for token in sorted(tokens)[:MAX_RUNS])
    chosen, total = [], 0
    for count, token in counted:
        if count and (not chosen or total + count <= RANK_ALL):
            chosen.append(token)
            total += count
    return chosen


def _similarity(plan: _Plan, text: str) -> tuple[float, str]:
    """The best partial_ratio of the query in a text, or the mean over its
    words when better; and the best-matching passage."""
    alignment = fuzz.partial_ratio_alignment(plan.compact.replace(" ", ""), text)
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
    return re.compile("|".join(map(_loose, strings))) if strings else None


def _highlights(plan: _Plan, glossary: _Glossary) -> list[str]:
    """What to mark: the query's runs, and the names of the entries it names."""
    strings = [run for run in plan.runs if len(run) > 1 or is_han(run) or len(plan.runs) == 1]
    named = {entry for piece in plan.pieces for entry in piece.entries}
    translated = [" ".join(runs(term)) for piece in plan.pieces for term in piece.terms]
    return strings + translated + [name.key for name in glossary.names if name.entry.id in named]


def _fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """Folded text, and where each folded character comes from when lengths differ."""
    folded = normalize(text)
    if len(folded) == len(text):
        return folded, None
    parts = [normalize_term(char) or " " for char in text]  # characters repeat: cached
    offsets = [index for index, part in enumerate(parts) for _ in part]
    return "".join(parts), offsets


def _spans(text: str, pattern: re.Pattern | None) -> list[tuple[int, int]]:
    """Where the pattern matches in the snippet window around its first match, in the text's offsets."""
    if pattern is None or not text:
        return []
    folded, offsets = _fold_with_offsets(text)
    first = pattern.search(folded)
    if first is None:
        return []
    start = max(0, first.start() - SNIPPET_LEAD)
    matches = pattern.finditer(folded, start, start + SNIPPET_CHARS + len(first.group()))
    spans = [match.span() for match in matches if match.end() > match.start()]
    if offsets is None:
        return spans
    return [(offsets[a], offsets[b - 1] + 1) for a, b in spans]


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
    parts_html, parts_text, position = [], [], start
    for a, b in spans:
        a, b = max(a, position), min(b, end)
        if a >= b:
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


def search(conn: sqlite3.Connection, query, *, limit: int = 20, publisher=None, year=None, document=None,
           within: str = "recommendations", dictionary: bool = True, drop=(), snippets: bool = True) -> SearchResults:
    """Search the recommendations; see the module docstring for how.

    ``dictionary`` reads English words the glossary leaves through CC-CEDICT;
    ``drop`` lists Chinese terms (a dictionary term, or a glossary entry's
    Chinese name) not to read the query's English as.  Without ``snippets``,
    results come with their snippets None, made when ``with_snippet`` is
    called on them (a page shows a few of many)."""
    started = time.perf_counter()
    glossary = _context(conn)
    text = clean_query(query)
    drop = [str(term) for term in drop or ()][:MAX_RUNS]
    plan = _plan(text, glossary, dictionary, drop, _term_counter(conn) if dictionary else None)
    limit = max(1, min(int(limit or 20), MAX_LIMIT))
    filters = _filters(publisher, year, document, within if within in WITHIN else "recommendations")
    found = _exact_and_glossary(conn, plan, glossary, filters, limit) if plan.runs else {}
    fuzzy = {}
    if len(found) < FEW_RESULTS and plan.length >= FUZZY_MIN_CHARS:
        fuzzy = _fuzzy(conn, plan, glossary, filters, set(found))
    results = _results(conn, plan, glossary, _ranking(found, fuzzy)[:limit], snippets)
    suggestions = _suggestions(plan, glossary) if not found else []
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    return SearchResults(text, results, suggestions, elapsed, _readings(plan, glossary))


def prepare(query) -> None:
    """Load the dictionary and look the query's English words up in it now,
    if it has any: a caller that runs ``search`` under a time limit calls this
    first, outside it (the first load takes about half a second a process)."""
    words = [run for run in runs(clean_query(query)) if _is_english(run)]
    if words:
        english.prepare(words)


def _ranking(found: dict, fuzzy: dict) -> list[tuple]:
    """(score, id, method, extra marks) best first; ties keep the order they were found in."""
    scored = [(score, id, method, ()) for id, (score, method) in found.items()]
    scored += [(similarity / 2, id, "fuzzy", marks) for id, (similarity, marks) in fuzzy.items()]
    return sorted(scored, key=lambda item: -round(item[0], 1))


def _results(conn, plan: _Plan, glossary: _Glossary, ranking: list[tuple], snippets: bool = True) -> list[Result]:
    rows = _rows(conn, [item[1] for item in ranking])
    base = _highlights(plan, glossary)
    pattern = _highlighter(base)
    return [
        _result(rows[id], score, method, (lambda marks=marks: _highlighter(base + list(marks))) if marks else pattern, snippets)
        for score, id, method, marks in ranking
        if id in rows
    ]


def _rows(conn, ids: list[str]) -> dict[str, dict]:
    if not ids:
        return {}
    placeholders = ", ".join("?" for _ in ids)
    cursor = conn.execute(f"SELECT {_ROW_COLUMNS} FROM recommendations WHERE id IN ({placeholders})", ids)
    names = [description[0] for description in cursor.description]
    found = {row[0]: dict(zip(names, row)) for row in cursor}
    missing = [id for id in ids if id not in found]
    if missing and _has_table(conn, "paragraphs"):
        cursor = conn.execute(_PARAGRAPH_ROWS.format(marks=", ".join("?" for _ in missing)), missing)
        found.update((row[0], dict(zip(names, row))) for row in cursor)
    return found


# A government paragraph as a search result: titled by its heading, kind ``paragraph``.
_PARAGRAPH_ROWS = """
SELECT p.id, coalesce(p.section, p.chapter, '¶ ' || p.number) AS title, p.chapter AS section, p.text AS body,
       p.document_id, d.publisher_id, d.year, 'paragraph' AS kind, p.number, p.parent_id, p.line_start, p.line_end, p.page
FROM paragraphs p JOIN documents d ON d.id = p.document_id WHERE p.id IN ({marks})
"""


def _result(row: dict, score: float, method: str, pattern, snippets: bool = True) -> Result:
    """A result; ``pattern`` is the highlighter, or a function making it.
    Without ``snippets``, its snippet is left for ``with_snippet``."""
    fields = {name: row[name] for name in _RESULT_COLUMNS}
    result = Result(score=round(score, 1), method=method, snippet=None, snippet_text=None, **fields)
    result._snippet_of = ([row["body"], row["title"], row["section"]], pattern)
    return with_snippet(result) if snippets else result


_RESULT_COLUMNS = [name for name in _ROW_COLUMNS.replace(" ", "").split(",") if name != "body"]


def with_snippet(result: Result) -> Result:
    """The result with its snippet made, if it was not."""
    if result.snippet is None:
        fields, pattern = result._snippet_of
        result.snippet, result.snippet_text = _snippet(fields, pattern() if callable(pattern) else pattern)
    return result


# --- SQL functions ---------------------------------------------------------------------
# Their inputs are bounded, so that no single call can hold the server for
# long: SQLite interrupts a query between calls, never inside one.

MAX_SQL_TEXT = 100_000  # characters kb_normalize and kb_bigrams read
MAX_FUZZY_NEEDLE = 200  # characters of kb_fuzzy_score's a …
MAX_FUZZY_HAYSTACK = 20_000  # … and of its b


def _bounded(value, most: int) -> str | None:
    return None if value is None else str(value)[:most]


def sql_normalize(text) -> str:
    """kb_normalize(text): the folded form documents and queries are matched
    in, of the first ``MAX_SQL_TEXT`` characters."""
    return normalize(_bounded(text, MAX_SQL_TEXT))


def sql_fuzzy_score(a, b) -> float:
    """kb_fuzzy_score(a, b): 0–100, how well ``a`` matches the best part of ``b``,
    folded; ``a`` is cut to ``MAX_FUZZY_NEEDLE`` characters, ``b`` to ``MAX_FUZZY_HAYSTACK``."""
    if a is None or b is None:
        return 0.0
    # cut again after folding: NFKC turns some characters into many (﷽ into 18)
    needle = fold(_bounded(a, MAX_FUZZY_NEEDLE))[:MAX_FUZZY_NEEDLE]
    haystack = fold(_bounded(b, MAX_FUZZY_HAYSTACK))[:MAX_FUZZY_HAYSTACK]
    return round(float(fuzz.partial_ratio(needle, haystack)), 1)


def sql_bigrams(text) -> str:
    """kb_bigrams(text): text as the search index stores it, of the first ``MAX_SQL_TEXT`` characters."""
    return index_text(_bounded(text, MAX_SQL_TEXT))


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
