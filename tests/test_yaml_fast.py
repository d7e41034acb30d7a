"""The YAML files read by libyaml (kb.text.yamlfile's fast path) give the same
data, lines included, as the line-numbered pure-Python loader, and every
error is still reported by that loader, with its line."""

import json
import re
import shutil
from pathlib import Path

import pytest

from kb.build.manifest import KEPT_NAME, load_manifest_text, read_manifest
from kb.text import yamlfile
from kb.text.yamlfile import YamlFileError, load_yaml_text

SOURCES = Path(__file__).resolve().parent.parent / "sources"


def _slow(text: str):
    loader = yamlfile._Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return (a.line, a.lines, list(a)) == (b.line, b.lines, list(b)) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return (a.line, a.lines, len(a)) == (b.line, b.lines, len(b)) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.skipif(yamlfile._CParser is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("name", ["manifest.yml", "response_reviews.yml", "link_reviews.yml", "area_overrides.yml"])
def test_fast_path_reads_what_the_line_numbered_loader_reads(name):
    path = SOURCES / name
    if not path.is_file():
        pytest.skip(f"no {name}")
    text = path.read_text(encoding="utf-8")
    fast = yamlfile._fast_load(text)
    assert fast is not yamlfile._SLOW
    assert _same(fast, _slow(text))


@pytest.mark.parametrize("text, message", [
    ("a: 1\nb: 2\na: 3\n", "f.yml:3: key 'a' given twice in one mapping (first on line 1)"),
    ("- &x a\n- *x\n", "f.yml:1: YAML anchors (&x) are not allowed"),
    ("- a\n- *x\n", "f.yml:2: YAML aliases (*x) are not allowed"),
    ("a: [1, 2\n", "f.yml:2: not valid YAML"),
    ("x: " + "[" * 50 + "]" * 50 + "\n", "f.yml:1: nested more than 40 levels deep"),
])
def test_errors_name_the_line(text, message):
    with pytest.raises(YamlFileError) as error:
        load_yaml_text(text, "f.yml")
    assert str(error.value).startswith(message)


def test_dates_stay_text_and_ampersands_read():
    assert load_yaml_text("- 2026-06-30\n- R&D * 3\n") == ["2026-06-30", "R&D * 3"]


# --- a list read item by item (kb.text.yamlfile.load_yaml_list_text) ------------------

APPENDED = "\n- id: added\n  file: added.txt\n  expect: {recommendation: 3}\n"


def test_a_manifest_read_item_by_item_is_the_manifest_read_whole():
    text = (SOURCES / "manifest.yml").read_text(encoding="utf-8")
    commented = "# documents\n\n" + text.replace("\n- id:", "\n# next\n- id:") + "# end\n"
    for version in (text, commented, text + APPENDED):
        assert _same(yamlfile.load_yaml_list_text(version), load_yaml_text(version))


def _counting_reads(monkeypatch) -> list[str]:
    """The texts libyaml reads from now on."""
    read, fast_load = [], yamlfile._fast_load
    monkeypatch.setattr(yamlfile, "_fast_load", lambda text: (read.append(text), fast_load(text))[1])
    return read


def test_a_manifest_read_again_with_an_entry_appended_reads_only_that_entry(monkeypatch):
    text = (SOURCES / "manifest.yml").read_text(encoding="utf-8")
    yamlfile.load_yaml_list_text(text)
    read = _counting_reads(monkeypatch)
    again = yamlfile.load_yaml_list_text(text + APPENDED.replace("added", "added-once"))
    assert len(read) == 1 and "added-once" in read[0]
    assert again[-1]["id"] == "added-once" and again.lines[-1] == text.count("\n") + 2


# --- a long list's items kept between runs (a file beside it) ----------------------


def _long_list(tmp_path, monkeypatch) -> tuple[str, Path]:
    """The seed manifest as a list long enough to be kept, and where to keep it;
    nothing read before in this process."""
    monkeypatch.setattr(yamlfile, "KEEP_FROM_ITEMS", 3)
    monkeypatch.setattr(yamlfile, "_ITEMS", {})
    return (SOURCES / "manifest.yml").read_text(encoding="utf-8"), tmp_path / "kept.json"


def test_a_long_list_is_kept_and_read_from_the_kept_file_the_next_run(tmp_path, monkeypatch):
    text, kept = _long_list(tmp_path, monkeypatch)
    first = yamlfile.load_yaml_list_text(text, "m.yml", kept)
    assert kept.is_file() and _same(first, load_yaml_text(text))
    monkeypatch.setattr(yamlfile, "_ITEMS", {})  # the next run
    read = _counting_reads(monkeypatch)
    again = yamlfile.load_yaml_list_text(text, "m.yml", kept)
    assert read == [] and _same(again, first) and again[0] is not first[0]


def test_kept_items_moved_down_the_file_know_their_new_lines(tmp_path, monkeypatch):
    text, kept = _long_list(tmp_path, monkeypatch)
    first = yamlfile.load_yaml_list_text(text, "m.yml", kept)
    monkeypatch.setattr(yamlfile, "_ITEMS", {})
    moved = "# a comment\n\n" + APPENDED.lstrip("\n") + "\n" + text
    read = _counting_reads(monkeypatch)
    again = yamlfile.load_yaml_list_text(moved, "m.yml", kept)
    assert len(read) == 1 and _same(again, load_yaml_text(moved))
    assert again.lines[1] == first.lines[0] + 6 and again[1].lines["file"] == first[0].lines["file"] + 6


def test_the_kept_file_is_written_again_only_when_a_twentieth_of_the_items_changed(tmp_path, monkeypatch):
    _, kept = _long_list(tmp_path, monkeypatch)
    entries = lambda numbers: "".join(f"- id: d{n}\n  file: f{n}.txt\n" for n in numbers)  # noqa: E731
    yamlfile.load_yaml_list_text(entries(range(40)), "m.yml", kept)
    written = kept.read_bytes()
    one_more = yamlfile.load_yaml_list_text(entries(range(41)), "m.yml", kept)  # kb add: the new entry is read next time too
    assert kept.read_bytes() == written and one_more[-1] == {"id": "d40", "file": "f40.txt"}
    monkeypatch.setattr(yamlfile, "_ITEMS", {})
    read = _counting_reads(monkeypatch)
    assert _same(yamlfile.load_yaml_list_text(entries(range(41)), "m.yml", kept), one_more) and len(read) == 1
    yamlfile.load_yaml_list_text(entries(range(43)), "m.yml", kept)  # 3 of 43 new: written again
    assert kept.read_bytes() != written and len(json.loads(kept.read_bytes())["items"]) == 43
    yamlfile.load_yaml_list_text(entries(range(40)), "m.yml", kept)  # 3 gone: written again without them
    assert len(json.loads(kept.read_bytes())["items"]) == 40


def test_a_short_list_is_not_kept(tmp_path, monkeypatch):
    text, kept = _long_list(tmp_path, monkeypatch)
    monkeypatch.setattr(yamlfile, "KEEP_FROM_ITEMS", text.count("\n- id:") + 2)
    yamlfile.load_yaml_list_text(text, "m.yml", kept)
    assert not kept.exists()


@pytest.mark.parametrize("written", [
    "not json",
    '{"format": "another", "items": {}}',
    "[1, 2]",
    None,  # each kept item's data replaced by something else (below)
])
def test_a_kept_file_kb_did_not_write_as_it_reads_is_not_believed(tmp_path, monkeypatch, written):
    text, kept = _long_list(tmp_path, monkeypatch)
    yamlfile.load_yaml_list_text(text, "m.yml", kept)
    if written is None:
        stored = json.loads(kept.read_text(encoding="utf-8"))
        damaged = [{"m": "x", "k": []}, [{"l": 1, "v": [[1]]}, 1], [{"m": 1, "k": [[[1], 1, "x"]]}, 1], ["x", "y"]]
        stored["items"] = {digest: damaged[n % len(damaged)] for n, digest in enumerate(stored["items"])}
        written = json.dumps(stored)
    kept.write_text(written, encoding="utf-8")
    monkeypatch.setattr(yamlfile, "_ITEMS", {})
    assert _same(yamlfile.load_yaml_list_text(text, "m.yml", kept), load_yaml_text(text))


def test_a_list_holding_what_json_cannot_keep_is_read_but_not_kept(tmp_path, monkeypatch):
    text, kept = _long_list(tmp_path, monkeypatch)
    binary = text + "\n- id: x\n  data: !!binary aGVsbG8=\n"
    assert yamlfile.load_yaml_list_text(binary, "m.yml", kept)[-1]["data"] == b"hello"
    surrogate = text + '\n- id: x\n  title: "\\ud800"\n'  # a lone surrogate: the manifest's checks refuse it, later
    assert yamlfile.load_yaml_list_text(surrogate, "m.yml", kept)[-1]["title"] == "\ud800"
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_a_long_manifest_is_kept_beside_it_and_reads_the_same(tmp_path, monkeypatch):
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources, ignore=shutil.ignore_patterns(".kb-*"))
    monkeypatch.setattr(yamlfile, "KEEP_FROM_ITEMS", 3)
    first = read_manifest(sources)
    assert (sources / KEPT_NAME).is_file()
    monkeypatch.setattr(yamlfile, "_ITEMS", {})
    load_manifest_text.cache_clear()
    read = _counting_reads(monkeypatch)
    assert read_manifest(sources) == first and read == []


@pytest.mark.parametrize("text", [
    "documents:\n- id: a\n",                          # not a list at the top
    "- id: a\n  tags: [x,\n- y]\n- id: b\n",          # an item cut inside a flow list
    "- id: a\n  title: \"x\n- y\"\n",                 # inside a quoted text
    "- &a {id: a}\n- *a\n",                           # an anchor and an alias
    "- id: a\n---\n- id: b\n",                        # two documents
])
def test_a_text_not_read_item_by_item_is_read_whole(text):
    try:
        expected = load_yaml_text(text)
    except YamlFileError as error:
        with pytest.raises(YamlFileError, match=re.escape(str(error))):
            yamlfile.load_yaml_list_text(text)
        return
    assert _same(yamlfile.load_yaml_list_text(text), expected) if isinstance(expected, list) else yamlfile.load_yaml_list_text(text) == expected


def test_an_error_in_one_item_names_its_line_as_a_whole_read_does():
    text = "- id: a\n  file: a.txt\n- id: b\n  file: b.txt\n  file: c.txt\n"
    with pytest.raises(YamlFileError, match=r"^m.yml:5: key 'file' given twice"):
        yamlfile.load_yaml_list_text(text, "m.yml")
