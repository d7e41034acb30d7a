"""Reading the YAML files people edit (sources/manifest.yml, the reviews,
the area overrides) safely: plain data only, bounded, and every problem
named with its file and line.

``read_yaml`` refuses what ``yaml.safe_load`` lets through:

* anchors and aliases (``&a``, ``*a``): ten lines of them (the "billion
  laughs") expand to gigabytes; kb's files never need them;
* a key given twice in one mapping, where YAML would keep the last
  silently;
* files over ``MAX_YAML_BYTES`` and nesting deeper than ``MAX_DEPTH``;
* text that is not UTF-8.

Dates stay text (``2026-06-30`` is the string, not a ``datetime.date``):
whoever reads a value checks it.  Mappings and lists come back as
``LineDict`` and ``LineList``, a ``dict`` and a ``list`` that also know
the line each of their values starts on (``line_of``).

A file is read by libyaml's parser when PyYAML has it (a 1,000-document
manifest in 0.15 s instead of 0.75 s), with the same constructors, so the
data and its lines are the same; text it might refuse (an anchor or alias
in sight, nesting too deep, anything libyaml finds wrong) is read again by
the pure-Python loader, which names the line of every error.
"""

import hashlib
import json
import os
import re
from pathlib import Path

import yaml

try:
    from yaml.cyaml import CParser as _CParser
except ImportError:  # PyYAML without libyaml: _Loader reads everything
    _CParser = None

from kb.text.encoding import decode, line_of as byte_line, not_utf8

# A manifest entry takes some 800 bytes: 20 MB holds some 25,000 documents, the
# whole corpus of Hong Kong's submissions and speeches several times over.
MAX_YAML_BYTES = 20_000_000
MAX_DEPTH = 40


class YamlFileError(ValueError):
    """A YAML file kb refuses; the message starts with ``<file>:<line>:``."""


class LineDict(dict):
    """A mapping read from YAML; ``line`` is where it starts, ``lines`` where each value does (from 1)."""

    line: int = 0
    lines: dict

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = {}


class LineList(list):
    """A list read from YAML; ``line`` is where it starts, ``lines`` where each item does (from 1)."""

    line: int = 0
    lines: list

    def __init__(self, *args):
        super().__init__(*args)
        self.lines = []


def line_of(container, key=None, default: int = 0) -> int:
    """The line (from 1) ``container[key]`` starts on, else where the
    container starts, else ``default``: for a plain dict or list, 0."""
    lines = getattr(container, "lines", None)
    if key is not None and lines is not None:
        if isinstance(lines, dict) and key in lines:
            return lines[key]
        if isinstance(lines, list) and isinstance(key, int) and 0 <= key < len(lines):
            return lines[key]
    return getattr(container, "line", 0) or default


class _Refused(yaml.MarkedYAMLError):
    def __init__(self, problem: str, mark):
        super().__init__(problem=problem, problem_mark=mark)


class _Constructor(yaml.constructor.SafeConstructor):
    """SafeConstructor refusing repeated keys, keeping dates as text, and
    building ``LineDict`` and ``LineList``."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                repeated = key in seen
            except TypeError:  # an unhashable key: the constructor says so
                break
            if repeated:
                raise _Refused(f"key {key!r} given twice in one mapping (first on line {seen[key]})", key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_line_map(self, node):
        data = LineDict()
        data.line = node.start_mark.line + 1
        yield data
        self.flatten_mapping(node)
        data.update(self.construct_mapping(node))
        for key_node, value_node in node.value:
            data.lines[self.construct_object(key_node, deep=True)] = value_node.start_mark.line + 1

    def construct_line_seq(self, node):
        data = LineList()
        data.line = node.start_mark.line + 1
        yield data
        data.extend(self.construct_sequence(node))
        data.lines = [item.start_mark.line + 1 for item in node.value]

    def construct_yaml_timestamp(self, node):
        return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:map", _Constructor.construct_line_map)
_Constructor.add_constructor("tag:yaml.org,2002:seq", _Constructor.construct_line_seq)
_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _Constructor,
              yaml.resolver.Resolver):
    """The pure-Python loader, which refuses anchors, aliases and deep
    nesting as it reads, naming the line: every error is reported by it."""

    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Constructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(f"YAML aliases (*{event.anchor}) are not allowed: write the value out", event.start_mark)
        if getattr(event, "anchor", None):
            raise _Refused(f"YAML anchors (&{event.anchor}) are not allowed: write the value out", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Where an anchor (&a) or an alias (*a) may start: after a space, a line's
# start or a flow indicator.  Text where one may be is read by ``_Loader``.
_MAYBE_ANCHOR_RE = re.compile(r"(?:^|[\s\[{,])[&*]\S", re.M)


if _CParser is not None:
    class _FastLoader(_CParser, _Constructor, yaml.resolver.Resolver):
        """libyaml's parser with ``_Constructor``: the same data, lines
        included, some five times faster than ``_Loader`` on a large
        manifest.  It checks nothing as it reads: ``_fast_load`` gives up
        on anything ``_Loader`` might refuse, which then reads the text."""

        def __init__(self, stream):
            _CParser.__init__(self, stream)
            _Constructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


_SLOW = object()  # _fast_load's answer when _Loader must read the text


def _fast_load(text: str):
    """The data of ``text`` read by libyaml, or ``_SLOW`` when it is not
    installed, or the text may hold an anchor or alias, nests deeper than
    ``MAX_DEPTH`` or is not valid: then ``_Loader`` reads it, and names
    the line of any error."""
    if _CParser is None or _MAYBE_ANCHOR_RE.search(text):
        return _SLOW
    loader = _FastLoader(text)
    try:
        node = loader.get_single_node()
        if node is None or _too_deep(node):
            return _SLOW if node is not None else None
        return loader.construct_document(node)
    except (yaml.YAMLError, ValueError, RecursionError):
        return _SLOW
    finally:
        loader.dispose()


def _too_deep(root) -> bool:
    """Whether a composed document nests deeper than ``MAX_DEPTH``, or holds
    a node twice (an alias)."""
    seen, stack = set(), [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH or id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend((item, depth + 1) for pair in node.value for item in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)
    return False


def read_yaml(path: str | Path, max_bytes: int = MAX_YAML_BYTES):
    """The data of a YAML file (``None`` when it is empty); raises
    YamlFileError naming the file and line, FileNotFoundError when there
    is no file."""
    return load_yaml_text(read_yaml_text(path, max_bytes), str(path))


def read_yaml_text(path: str | Path, max_bytes: int = MAX_YAML_BYTES) -> str:
    """The text of a YAML file, at most ``max_bytes`` of UTF-8; raises
    YamlFileError naming the file and line, FileNotFoundError when there
    is no file."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise YamlFileError(f"{path}:1: the file is {size:,} bytes; kb reads YAML files up to {max_bytes:,} bytes")
    with open(path, "rb") as file:
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew while read
        raise YamlFileError(f"{path}:1: the file is over {max_bytes:,} bytes; kb reads YAML files up to {max_bytes:,} bytes")
    try:
        return decode(data)
    except UnicodeDecodeError as error:
        raise YamlFileError(f"{path}:{byte_line(data, error.start)}: {not_utf8(data, error)}") from error


def load_yaml_text(text: str, name: str = "<text>"):
    """As ``read_yaml``, for text already read; ``name`` starts the error
    messages.  Read by libyaml when it can (``_fast_load``), else, and to
    report every error, by ``_Loader``."""
    data = _fast_load(text)
    if data is not _SLOW:
        return data
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except _Refused as error:
        raise YamlFileError(f"{name}:{error.problem_mark.line + 1}: {error.problem}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        problem = error.problem or error.context
        if error.problem and error.context:
            problem += f" ({error.context}" + (f" from line {error.context_mark.line + 1})" if error.context_mark else ")")
        raise YamlFileError(f"{name}:{line}: not valid YAML: {problem}") from None
    except (yaml.YAMLError, ValueError, RecursionError) as error:  # ValueError: e.g. a number YAML reads but Python cannot
        raise YamlFileError(f"{name}:1: not valid YAML: {error}") from None
    finally:
        loader.dispose()


# Where an item of a list at the top level starts: "- " (or a lone "-") at a line's start.
_ITEM_START_RE = re.compile(r"^-(?:[ \t]|$)", re.M)
_BLANK_OR_COMMENT_RE = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\n)*[ \t]*(?:#[^\n]*)?")


def load_yaml_list_text(text: str, name: str = "<text>", kept: Path | None = None):
    """As ``load_yaml_text``, for a text that is a list at the top level (a
    manifest): read item by item, each item's data kept for the next text
    holding the same item on the same line, so that a manifest of thousands
    of entries read again with one entry appended (kb add, then its build)
    reads only that entry.  Read whole by ``load_yaml_text``, with its
    checks and errors, unless every item reads on its own as a list of one.

    ``kept``: a file keeping a long list's items' data between runs
    (``KEEP_FROM_ITEMS``), read and written here: the next run reads
    from it the items whose text it holds, not the YAML (libyaml took
    most of a second for 3,000 manifest entries)."""
    starts = [match.start() for match in _ITEM_START_RE.finditer(text)]
    if not starts or not _BLANK_OR_COMMENT_RE.fullmatch(text[:starts[0]]):
        return load_yaml_text(text, name)
    stored = _read_kept(kept) if kept is not None and len(starts) >= KEEP_FROM_ITEMS else None
    items, firsts, digests = LineList(), [], []
    line = text.count("\n", 0, starts[0]) + 1
    for start, end in zip(starts, starts[1:] + [len(text)]):
        chunk = text[start:end]
        digest = None if stored is None else _digest(chunk)
        item = _item(chunk, line, None if stored is None else stored.get(digest))
        if item is None:
            return load_yaml_text(text, name)
        items.append(item[0])
        items.lines.append(item[1])
        firsts.append(line)
        digests.append(digest)
        line += text.count("\n", start, end)
    items.line = items.lines[0]
    if stored is not None and _worth_keeping_again(digests, stored):
        _write_kept(kept, items, firsts, digests)
    return items


def _worth_keeping_again(digests: list[str], stored: dict) -> bool:
    """Whether to write the kept file again: when a twentieth of the items
    or more are not in it, or it holds as many that are gone.  Not for the
    one entry kb add appends: reading it takes a millisecond, writing
    thousands a quarter of a second."""
    fresh = sum(digest not in stored for digest in digests)
    gone = len(stored) - (len(digests) - fresh)
    return max(fresh, gone) > 0 and max(fresh, gone) * 20 >= len(digests)


# Items read by ``_item``, by their text and first line: read them, never change them.
_ITEMS: dict[tuple[str, int], tuple[object, int] | None] = {}
_ITEMS_MOST = 50_000


def _item(text: str, line: int, stored=None) -> tuple[object, int] | None:
    """The one item of a list ``text`` that starts on line ``line`` of its
    file, with the line it starts on; ``None`` when ``text`` is not a list
    of one item libyaml reads (``_fast_load``).  ``stored``: the item as a
    kept file holds it (``_encoded``), read instead of the text when it
    is sound."""
    key = (text, line)
    if key in _ITEMS:
        return _ITEMS[key]
    item = _decoded(stored, line - 1) if stored is not None else None
    if item is None:
        data = _fast_load(text)
        item = None if not isinstance(data, LineList) or len(data) != 1 else (_moved(data[0], line - 1), data.lines[0] + line - 1)
    if len(_ITEMS) >= _ITEMS_MOST:
        _ITEMS.clear()
    _ITEMS[key] = item
    return item


def _moved(data, lines: int):
    """``data`` with every line it knows ``lines`` further down."""
    if isinstance(data, LineDict):
        data.line += lines
        data.lines = {key: line + lines for key, line in data.lines.items()}
        for value in data.values():
            _moved(value, lines)
    elif isinstance(data, LineList):
        data.line += lines
        data.lines = [line + lines for line in data.lines]
        for value in data:
            _moved(value, lines)
    return data


# --- a long list's items kept between runs --------------------------------------

# A list this long is kept (below it, reading the YAML takes under a tenth of a second).
KEEP_FROM_ITEMS = 500
# What the kept data depends on besides the text: a change to how items are
# read or kept, or another PyYAML, and a kept file is read no more.
_KEPT_FORMAT = f"1 PyYAML {yaml.__version__} libyaml {getattr(yaml, '__with_libyaml__', False)}"


class _NotKept(ValueError):
    """A value the kept file cannot hold as it is (bytes, a set, a tuple)."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# The kept file last read or written, by its path: its size and time, and its items (kb add reads it twice).
_KEPT_READ: dict[Path, tuple[tuple[int, int], dict]] = {}


def _read_kept(path: Path) -> dict[str, object]:
    """The items a kept file holds, by their text's digest; none when there
    is no such file or it is not one kb wrote in this format."""
    try:
        with open(path, encoding="utf-8") as file:
            stamp = _stamp(os.fstat(file.fileno()))
            if path in _KEPT_READ and _KEPT_READ[path][0] == stamp:
                return _KEPT_READ[path][1]
            found = json.load(file)
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict) or found.get("format") != _KEPT_FORMAT or not isinstance(found.get("items"), dict):
        return {}
    _KEPT_READ[path] = (stamp, found["items"])
    return found["items"]


def _stamp(status: os.stat_result) -> tuple[int, int]:
    return status.st_mtime_ns, status.st_size


def _write_kept(path: Path, items: LineList, firsts: list[int], digests: list[str]) -> None:
    """Keep ``items`` (which start on the lines ``firsts``) in the file at
    ``path``, written whole and then moved into place; nothing is kept when
    an item holds a value JSON cannot hold as it is, or the file cannot be
    written, or holds text UTF-8 cannot (the next run reads the YAML)."""
    try:
        kept = {digest: [_encoded(item, first - 1), line - first + 1]
                for item, first, line, digest in zip(items, firsts, items.lines, digests)}
    except _NotKept:
        return
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps({"format": _KEPT_FORMAT, "items": kept}, ensure_ascii=False,
                                        separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, path)
        _KEPT_READ[path] = (_stamp(path.stat()), kept)
    except (OSError, UnicodeError):  # UnicodeError: a lone surrogate, which YAML's "\ud800" makes
        temporary.unlink(missing_ok=True)


def _encoded(value, lines: int):
    """``value`` as JSON holds it, every line it knows ``lines`` further up:
    a mapping as ``{"m": line, "k": [[key, line, value], ...]}``, a list as
    ``{"l": line, "v": [[line, value], ...]}``, a scalar as it is."""
    if isinstance(value, LineDict):
        return {"m": value.line - lines, "k": [[_key(key), value.lines[key] - lines, _encoded(item, lines)]
                                               for key, item in value.items()]}
    if isinstance(value, LineList):
        return {"l": value.line - lines, "v": [[line - lines, _encoded(item, lines)] for line, item in zip(value.lines, value)]}
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise _NotKept(type(value).__name__)


def _key(key):
    if key is None or isinstance(key, (str, int, float)):
        return key
    raise _NotKept(type(key).__name__)


def _decoded(stored, lines: int) -> tuple[object, int] | None:
    """A kept item (``[value, first line]``) with every line ``lines``
    further down, or ``None`` when it is not as ``_write_kept`` writes it."""
    try:
        value, first = stored
        if not isinstance(first, int):
            return None
        return _value(value, lines), first + lines
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def _value(stored, lines: int):
    if isinstance(stored, dict):
        if "m" in stored:
            data = LineDict()
            data.line = stored["m"] + lines
            for key, line, value in stored["k"]:
                if isinstance(key, (dict, list)) or key in data:
                    raise ValueError("not a kept mapping")
                data[key] = _value(value, lines)
                data.lines[key] = line + lines
            return data
        data = LineList()
        data.line = stored["l"] + lines
        for line, value in stored["v"]:
            data.append(_value(value, lines))
            data.lines.append(line + lines)
        return data
    if isinstance(stored, list):
        raise ValueError("not a kept value")
    return stored
