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
"""

from pathlib import Path

import yaml

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


class _Loader(yaml.SafeLoader):
    """SafeLoader without anchors, aliases, repeated keys, deep nesting or dates."""

    def __init__(self, stream):
        super().__init__(stream)
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


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_line_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_line_seq)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def read_yaml(path: str | Path, max_bytes: int = MAX_YAML_BYTES):
    """The data of a YAML file (``None`` when it is empty); raises
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
        text = decode(data)
    except UnicodeDecodeError as error:
        raise YamlFileError(f"{path}:{byte_line(data, error.start)}: {not_utf8(data, error)}") from error
    return load_yaml_text(text, str(path))


def load_yaml_text(text: str, name: str = "<text>"):
    """As ``read_yaml``, for text already read; ``name`` starts the error messages."""
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
