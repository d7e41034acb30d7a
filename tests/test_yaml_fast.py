"""The YAML files read by libyaml (kb.text.yamlfile's fast path) give the same
data, lines included, as the line-numbered pure-Python loader, and every
error is still reported by that loader, with its line."""

from pathlib import Path

import pytest

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
