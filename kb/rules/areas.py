"""Policy areas: the taxonomy, the reviewer's overrides, and tagging.

The taxonomy (kb/data/policy_areas.yml) lists the areas with their terms;
the overrides (sources/area_overrides.yml) let a reviewer correct a row's
tags without touching code.  ``tag`` gives every row one primary area and
up to three secondary ones.  Nothing here writes to SQLite.

Rule tagging.  Every term is matched in the row's title, body and section and
in its parent's title, after folding with ``kb.text.normalize.normalize`` (so a
Simplified text matches a Traditional term).  A hit is worth the term's
weight times ``TITLE_WEIGHT`` in the title, ``BODY_WEIGHT`` in the body
(at most ``BODY_CAP`` hits of a term are counted, so long bodies do not
drown their titles), ``SECTION_WEIGHT`` in the section heading and
``PARENT_WEIGHT`` in the parent's title; a row with sub-items adds their
own evidence times ``CHILD_WEIGHT`` (a heading whose asks are all in its
sub-items is about what they are about).  The best-scoring area is primary;
up to three others scoring at least ``SECONDARY_SHARE`` of it are secondary.

Scores are 0-100: an area's share of all the term evidence of the row.  A
row whose evidence is under ``MIN_EVIDENCE`` (no term, or only a stray weak
one) takes its parent's primary area (score 0); a top-level row without it
gets no area at all: "none fits" is an answer, never forced into an area.
Overridden rows get method ``manual``, score 100.
"""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kb.text.normalize import normalize, normalize_term
from kb.records import Recommendation
from kb.text.yamlfile import YamlFileError, read_yaml

DEFAULT_TAXONOMY = Path(__file__).parent / "data" / "policy_areas.yml"
DEFAULT_OVERRIDES = Path(__file__).parents[2] / "sources" / "area_overrides.yml"
MIN_AREAS, MAX_AREAS = 12, 40
MIN_EVIDENCE = 1.0  # the least raw score that tags a row: one body hit of a weight-1 term
MAX_SECONDARY = 3
TITLE_WEIGHT = 4.0
BODY_WEIGHT = 1.0
BODY_CAP = 3
SECTION_WEIGHT = 1.0
PARENT_WEIGHT = 1.0
CHILD_WEIGHT = 0.5  # a row's sub-items are its content: their evidence counts, at half weight
SECONDARY_SHARE = 0.3
RULE, MANUAL = "rule", "manual"


class AreaError(ValueError):
    """The taxonomy or the overrides file is malformed; names file and entry."""


@dataclass(frozen=True)
class PolicyArea:
    id: str
    name_zh: str
    name_en: str
    description: str
    cap_code: int
    terms: dict[str, float]  # Traditional Chinese term -> weight


@dataclass(frozen=True)
class Override:
    recommendation_id: str
    primary: str
    secondary: tuple[str, ...] | None  # None: keep the rule's secondary areas


@dataclass(frozen=True)
class AreaTag:
    recommendation_id: str
    area_id: str
    is_primary: bool
    method: str  # "rule" or "manual"
    score: int  # 0-100


# --- reading the taxonomy ---------------------------------------------------


def read_taxonomy(path: str | Path = DEFAULT_TAXONOMY) -> list[PolicyArea]:
    """Every policy area in ``path``, checked; raises AreaError naming the file."""
    path = Path(path)
    entries = _load_yaml(path)
    if not isinstance(entries, list) or not MIN_AREAS <= len(entries) <= MAX_AREAS:
        raise AreaError(f"{path}: expected a list of {MIN_AREAS}-{MAX_AREAS} policy areas")
    areas = [_read_area(path, index, entry) for index, entry in enumerate(entries, start=1)]
    ids = [area.id for area in areas]
    repeated = sorted({area_id for area_id in ids if ids.count(area_id) > 1})
    if repeated:
        raise AreaError(f"{path}: area ids repeated: {', '.join(repeated)}")
    return areas


def _load_yaml(path: Path):
    try:
        return read_yaml(path)
    except FileNotFoundError as error:
        raise AreaError(f"{path}: file not found") from error
    except YamlFileError as error:
        raise AreaError(str(error)) from None


def _read_area(path: Path, index: int, entry) -> PolicyArea:
    area_id = entry.get("id") if isinstance(entry, dict) else None
    where = f"{path}: area {index} ({area_id or '?'})"
    if not isinstance(area_id, str) or not area_id.isidentifier() or area_id != area_id.lower():
        raise AreaError(f"{where}: id must be snake_case")
    for key in ("name_zh", "name_en", "description"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise AreaError(f"{where}: missing {key}")
    cap_code = entry.get("cap_code")
    if not isinstance(cap_code, int) or isinstance(cap_code, bool) or not 1 <= cap_code <= 99:
        raise AreaError(f"{where}: cap_code must be an integer CAP major topic code")
    terms = _read_terms(where, entry.get("terms"))
    return PolicyArea(area_id, entry["name_zh"].strip(), entry["name_en"].strip(),
                      entry["description"].strip(), cap_code, terms)


def _read_terms(where: str, items) -> dict[str, float]:
    """Terms are strings (weight 1) or one-key mappings ``term: weight``."""
    if not isinstance(items, list) or not items:
        raise AreaError(f"{where}: terms must be a non-empty list")
    terms: dict[str, float] = {}
    for item in items:
        pairs = item.items() if isinstance(item, dict) else [(item, 1)]
        for term, weight in pairs:
            valid_weight = isinstance(weight, (int, float)) and not isinstance(weight, bool) and weight > 0
            if not isinstance(term, str) or not normalize_term(term).strip() or not valid_weight:
                raise AreaError(f"{where}: bad term {item!r} (a string, or term: positive weight)")
            terms[term] = float(weight)
    return terms


# --- reading the overrides --------------------------------------------------


def read_overrides(path: str | Path = DEFAULT_OVERRIDES, taxonomy: list[PolicyArea] | None = None) -> dict[str, Override]:
    """The reviewer's corrections, keyed by recommendation id; raises AreaError
    naming the file and the recommendation id on an unknown area or bad entry."""
    path = Path(path)
    known = {area.id for area in (taxonomy if taxonomy is not None else read_taxonomy())}
    entries = _load_yaml(path) or {}
    if not isinstance(entries, dict):
        raise AreaError(f"{path}: expected a mapping of recommendation id to {{primary, secondary}}")
    return {str(rec_id): _read_override(path, str(rec_id), entry, known) for rec_id, entry in entries.items()}


def _read_override(path: Path, rec_id: str, entry, known: set[str]) -> Override:
    where = f"{path}: {rec_id}"
    if not isinstance(entry, dict) or not isinstance(entry.get("primary"), str):
        raise AreaError(f"{where}: expected {{primary: <area id>, secondary: [<area id>, ...]}}")
    unexpected = set(entry) - {"primary", "secondary"}
    if unexpected:
        raise AreaError(f"{where}: unexpected keys {', '.join(sorted(map(str, unexpected)))}")
    secondary = entry.get("secondary")
    if secondary is not None and (not isinstance(secondary, list) or len(secondary) > MAX_SECONDARY):
        raise AreaError(f"{where}: secondary must be a list of at most {MAX_SECONDARY} area ids")
    areas = [entry["primary"], *(secondary or [])]
    unknown = [str(area) for area in areas if area not in known]
    if unknown:
        raise AreaError(f"{where}: unknown policy area {', '.join(unknown)}")
    if len(set(areas)) != len(areas):
        raise AreaError(f"{where}: an area is listed twice")
    return Override(rec_id, entry["primary"], tuple(secondary) if secondary is not None else None)


def unknown_override_ids(rows: list[Recommendation], overrides: dict[str, Override]) -> list[str]:
    """Overridden ids that match no row: typos or rows that have gone."""
    ids = {row.id for row in rows}
    return sorted(rec_id for rec_id in overrides if rec_id not in ids)


# --- tagging ----------------------------------------------------------------


class TermMatcher:
    """The taxonomy's terms, normalised once, scored against texts."""

    def __init__(self, taxonomy: list[PolicyArea]):
        self.area_ids = [area.id for area in taxonomy]
        self.terms = [
            (area.id, normalize_term(term), weight) for area in taxonomy for term, weight in area.terms.items()
        ]

    def scores(self, text: str | None, weight: float, cap: int | None = None) -> Counter:
        """Weighted term hits per area in ``text``."""
        folded = normalize(text)
        found: Counter = Counter()
        for area_id, term, term_weight in self.terms:
            hits = folded.count(term)
            if hits:
                found[area_id] += weight * term_weight * (min(hits, cap) if cap else hits)
        return found


def row_scores(row: Recommendation, matcher: TermMatcher, parent: Recommendation | None = None) -> Counter:
    """The raw rule score of every area with a signal in ``row``."""
    scores = matcher.scores(row.title, TITLE_WEIGHT)
    scores += matcher.scores(row.body, BODY_WEIGHT, cap=BODY_CAP)
    scores += matcher.scores(row.section, SECTION_WEIGHT)
    if parent is not None:
        scores += matcher.scores(parent.title, PARENT_WEIGHT)
    return scores


def rank(scores: Counter, area_ids: list[str]) -> list[tuple[str, float]]:
    """Areas by falling score; ties go to the area listed first in the taxonomy."""
    order = {area_id: index for index, area_id in enumerate(area_ids)}
    return sorted(((a, s) for a, s in scores.items() if s > 0), key=lambda pair: (-pair[1], order[pair[0]]))


def tag(rows: list[Recommendation], taxonomy: list[PolicyArea], overrides: dict[str, Override] | None = None) -> list[AreaTag]:
    """One primary and up to three secondary tags for every row that has an
    area, in row order; a row where none fits has no tags.

    Parents must come before their sub-items (as loaders return them) for a
    sub-item without signal to fall back to its parent's primary area."""
    matcher = TermMatcher(taxonomy)
    by_id = {row.id: row for row in rows}
    children = children_scores(rows, matcher)
    primaries: dict[str, str] = {}
    tags: list[AreaTag] = []
    for row in rows:
        row_tags = rule_tags(row, matcher, by_id.get(row.parent_id), primaries.get(row.parent_id), children.get(row.id))
        if overrides and row.id in overrides:
            row_tags = apply_override(row_tags, overrides[row.id])
        primary = next((t.area_id for t in row_tags if t.is_primary), None)
        if primary is not None:
            primaries[row.id] = primary
        tags.extend(row_tags)
    return tags


def children_scores(rows: list[Recommendation], matcher: TermMatcher) -> dict[str, Counter]:
    """For each row with sub-items, their own evidence (title and body) summed."""
    found: dict[str, Counter] = {}
    for row in rows:
        if row.parent_id:
            found.setdefault(row.parent_id, Counter()).update(row_scores(row, matcher))
    return found


def rule_tags(row: Recommendation, matcher: TermMatcher, parent: Recommendation | None = None,
              parent_primary: str | None = None, children: Counter | None = None) -> list[AreaTag]:
    """The rule's tags for one row: primary first, then secondary; none when
    no area has evidence enough and there is no parent's area to take."""
    scores = row_scores(row, matcher, parent)
    for area_id, score in (children or {}).items():
        scores[area_id] += CHILD_WEIGHT * score
    ranked = rank(scores, matcher.area_ids)
    if sum(score for _, score in ranked) < MIN_EVIDENCE:
        return [AreaTag(row.id, parent_primary, True, RULE, 0)] if parent_primary else []
    total = sum(score for _, score in ranked)
    top = ranked[0][1]
    secondary = [(a, s) for a, s in ranked[1:] if s >= SECONDARY_SHARE * top][:MAX_SECONDARY]
    return [AreaTag(row.id, area_id, index == 0, RULE, round(100 * score / total))
            for index, (area_id, score) in enumerate([ranked[0], *secondary])]


def apply_override(row_tags: list[AreaTag], override: Override) -> list[AreaTag]:
    """Replace a row's rule tags by the reviewer's; without a secondary list
    the rule's secondary areas are kept (minus the new primary)."""
    rec_id = override.recommendation_id
    tags = [AreaTag(rec_id, override.primary, True, MANUAL, 100)]
    if override.secondary is not None:
        return tags + [AreaTag(rec_id, area_id, False, MANUAL, 100) for area_id in override.secondary]
    kept = [t for t in row_tags if not t.is_primary and t.area_id != override.primary]
    return tags + kept[:MAX_SECONDARY]


def primary_areas(tags: list[AreaTag]) -> dict[str, str]:
    """Recommendation id -> its primary area id."""
    return {t.recommendation_id: t.area_id for t in tags if t.is_primary}
