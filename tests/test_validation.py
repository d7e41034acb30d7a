"""Inputs kb refuses before it writes anything: links that are not http(s),
YAML with aliases, repeated keys or too many bytes, manifest values of the
wrong type or form, files that are not text, PDF pages too large to render.
Each refusal names the file and the line (or the option, or the page), and
leaves sources/ and the database as they were."""

import io
import time
import zipfile

import pdfplumber.page
import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.build import build
from kb.build.manifest import ManifestError, read_manifest
from kb.cli import cli
from kb.rules import areas, reviews
from kb.text.yamlfile import MAX_YAML_BYTES
from tests.conftest import ROOT, SOURCES, changed_copy

BUDGET = "cma-2024-budget"  # the third document of the manifest
METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
NEW_PUBLISHER = ["--publisher", "hktdu", "--publisher-zh", "香港的士司機總會", "--publisher-en", "HK Taxi Drivers' Union"]


def snapshot(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def kb(*args):
    return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)


def refused_add(sources, *args):
    """kb add with these arguments, which must be refused with nothing written; its output."""
    before = snapshot(sources)
    result = kb("add", *args, "--sources", sources, "--no-build")
    assert result.exit_code != 0, result.output
    assert "Nothing was written." in result.output and "Traceback" not in result.output
    assert snapshot(sources) == before
    return result.output


def a_budget(tmp_path):
    """A text kb add takes from publisher cma (as cma-2025-budget) when nothing else is wrong."""
    path = tmp_path / "cma-2025-budget.txt"
    path.write_text((SOURCES / f"{BUDGET}.txt").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    return path, ["--publisher", "cma", "--published", "2024-12"]


def edit_entry(sources, prefix: str, new: str | None, document_id: str = BUDGET) -> int:
    """Replace the line starting with ``prefix`` in a document's manifest
    entry by ``new`` (or, when no line starts so, insert ``new`` after its
    ``file:`` line); the number of the new line."""
    path = sources / "manifest.yml"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index(f"- id: {document_id}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("- id:")), len(lines))
    found = next((i for i in range(start, end) if lines[i].startswith(prefix)), None)
    if found is None:
        found = next(i for i in range(start, end) if lines[i].startswith("  file:")) + 1
        lines.insert(found, new)
    else:
        lines[found] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return found + 1


def refused_build(sources, tmp_path, error=ManifestError):
    """kb build's error on a broken sources folder; no database written, sources/ unchanged."""
    before = snapshot(sources)
    with pytest.raises(error) as refused:
        build(sources, tmp_path / "kb.db")
    assert not (tmp_path / "kb.db").exists()
    assert snapshot(sources) == before
    return str(refused.value)


# --- links only to http(s) ----------------------------------------------------------


@pytest.mark.parametrize("url,problem", [
    ("javascript:alert(document.cookie)", "must start with http:// or https://"),
    ("JavaScript:alert(1)", "must start with http:// or https://"),
    ("data:text/html,<script>alert(1)</script>", "must start with http:// or https://"),
    ("//evil.example/x.pdf", "must start with http:// or https://"),
    ("https://", "has no host"),
    ("http:///etc/passwd", "has no host"),
    ("https://example.org/a b.pdf", "holds spaces or control characters"),
])
def test_kb_add_refuses_a_url_that_is_not_http(sources_copy, tmp_path, url, problem):
    path, options = a_budget(tmp_path)
    output = refused_add(sources_copy, path, *options, "--url", url)
    assert f"--url {url!r}: {problem}" in output


def test_kb_add_keeps_an_https_url(sources_copy, tmp_path):
    path, options = a_budget(tmp_path)
    result = kb("add", path, *options, "--url", "https://www.cma.org.hk/budget.pdf", "--sources", sources_copy, "--no-build")
    assert result.exit_code == 0, result.output
    assert read_manifest(sources_copy)[-1].document.url == "https://www.cma.org.hk/budget.pdf"


def test_the_manifest_refuses_a_javascript_url(sources_copy, tmp_path):
    line = edit_entry(sources_copy, "  url:", '  url: "javascript:alert(document.cookie)"')
    message = refused_build(sources_copy, tmp_path)
    assert message == (f"{sources_copy / 'manifest.yml'}:{line}: document 3 ({BUDGET}): "
                       "url 'javascript:alert(document.cookie)': must start with http:// or https://")


async def test_pages_link_an_original_only_when_its_url_is_http(built_db, tmp_path):
    """A database written before the manifest refused such URLs (or by hand)
    still gets no javascript: link on the recommendation and documents pages."""
    bad, good = "javascript:alert(document.cookie)", "https://www.cma.org.hk/budget.pdf"
    path = changed_copy(built_db, tmp_path, ("update documents set url = ? where id = ?", [bad, BUDGET]),
                        ("update documents set url = ? where id = ?", [good, "cma-2023-policy-address"]))
    datasette = Datasette([str(path)], immutables=[], metadata=METADATA)
    for page in ("/r/cma-2024-budget/5", "/kb/documents", "/kb/documents?id=cma-2024-budget"):
        response = await datasette.client.get(page)
        assert response.status_code == 200, page
        assert 'href="javascript:' not in response.text.lower(), page
    assert f'<a href="{good}">original 原件</a>' in (await datasette.client.get("/kb/documents")).text
    assert f'<a href="{good}">{good}</a>' in (await datasette.client.get("/r/cma-2023-policy-address/5")).text


# --- YAML: no aliases, no repeated keys, bounded --------------------------------------

LAUGHS = '["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'


def bomb(indent: str, levels: int = 4) -> str:
    """Nested aliases, each level nine times the one before (a small "billion laughs")."""
    lines = [f"{indent}l0: &l0 {LAUGHS}"]
    lines += [f"{indent}l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, levels + 1)]
    return "\n".join(lines)


def test_an_alias_bomb_in_the_manifest_is_refused_at_once(sources_copy, tmp_path):
    line = edit_entry(sources_copy, "  notes:", "  notes:\n" + bomb("    "))
    manifest = sources_copy / "manifest.yml"
    started = time.perf_counter()
    message = refused_build(sources_copy, tmp_path)
    assert time.perf_counter() - started < 2
    assert message == f"{manifest}:{line + 1}: YAML anchors (&l0) are not allowed: write the value out"


@pytest.mark.parametrize("name,text", [
    ("link_reviews.yml", '"x/1 -> y/2": &verdict {verdict: reject}\n"x/1 -> y/3": *verdict\n'),
    ("response_reviews.yml", "- &review {recommendation: x/1, paragraph: y/2, verdict: reject}\n- *review\n"),
    ("area_overrides.yml", "x/1: &area {primary: trade}\nx/2: *area\n"),
])
def test_every_yaml_file_of_sources_refuses_anchors(sources_copy, name, text):
    path = sources_copy / name
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    line = path.read_text(encoding="utf-8").count("\n") - 1  # the first of the two lines
    error = areas.AreaError if name == "area_overrides.yml" else reviews.ReviewError
    with pytest.raises(error) as refused:
        if name == "area_overrides.yml":
            areas.read_overrides(path, areas.read_taxonomy())
        else:
            reviews.read_reviews(sources_copy)
    assert str(refused.value).startswith(f"{path}:{line}: YAML anchors (&")


def test_a_key_given_twice_is_refused(sources_copy, tmp_path):
    first = edit_entry(sources_copy, "  published:", '  published: "2023-12"\n  published: "2025-12"')
    message = refused_build(sources_copy, tmp_path)
    assert message == (f"{sources_copy / 'manifest.yml'}:{first + 1}: "
                       f"key 'published' given twice in one mapping (first on line {first})")


def test_a_manifest_over_the_size_cap_is_refused(sources_copy, tmp_path):
    manifest = sources_copy / "manifest.yml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + ("# padding\n" * (MAX_YAML_BYTES // 10 + 1)), encoding="utf-8")
    size = manifest.stat().st_size
    message = refused_build(sources_copy, tmp_path)
    assert message == f"{manifest}:1: the file is {size:,} bytes; kb reads YAML files up to {MAX_YAML_BYTES:,} bytes"


# --- the manifest's schema --------------------------------------------------------------

BAD_ENTRIES = [
    ("- id:", "- id: cma/2024", "document 3: id 'cma/2024': use lower-case letters, digits and hyphens"),
    ("- id:", "- id: ../../x", "document 3: id '../../x': use lower-case letters, digits and hyphens"),
    ("- id:", "- id: [a, b]", "document 3: id ['a', 'b']: must be text, not a list"),
    ("- id:", "- id: 123", "document 3: id 123: is a number: an id is text with at least one letter"),
    ("- id:", '- id: "123"', "document 3: id '123': is only digits: an id needs a letter"),
    ("- id:", '- id: "Budget 2024"', "document 3: id 'Budget 2024': use lower-case letters"),
    ("  published:", '  published: "2026-13"', f"document 3 ({BUDGET}): published '2026-13': there is no month 13"),
    ("  published:", '  published: "2026-02-30"', f"document 3 ({BUDGET}): published '2026-02-30': there is no day 30 in 2026-02"),
    ("  published:", "  published: 2023-13-45", f"document 3 ({BUDGET}): published '2023-13-45': there is no month 13"),
    ("  published:", '  published: "abc 2023"', f"document 3 ({BUDGET}): published 'abc 2023': is not a date"),
    ("  ocr:", '  ocr: "no"', f"document 3 ({BUDGET}): ocr 'no': must be true or false"),
    ("  kind:", "  kind: [submission]", f"document 3 ({BUDGET}): kind ['submission']: must be text, not a list"),
    ("  kind:", '  kind: "sub\\x1b[31mmission"', f"document 3 ({BUDGET}): kind 'sub\\x1b[31mmission': holds a control character (U+001B)"),
    ("  language:", '  language: "zh\\0"', f"document 3 ({BUDGET}): language 'zh\\x00': holds a NUL character"),
    ("  language:", '  language: "\\ud800"', f"document 3 ({BUDGET}): language '\\ud800': holds a lone surrogate (U+D800)"),
    ("  orc:", "  orc: true", f"document 3 ({BUDGET}): unknown key 'orc'"),
    ("  expect:", "  expect: {recommendation: 13, sub-item: yes}", f"document 3 ({BUDGET}): expect 'sub-item': True is not"),
]


@pytest.mark.parametrize("prefix,new,problem", BAD_ENTRIES, ids=[new.strip() for _, new, _ in BAD_ENTRIES])
def test_a_bad_manifest_value_is_refused_with_its_line(sources_copy, tmp_path, prefix, new, problem):
    line = edit_entry(sources_copy, prefix, new)
    message = refused_build(sources_copy, tmp_path)
    assert message.startswith(f"{sources_copy / 'manifest.yml'}:{line}: {problem}"), message


def test_kb_build_prints_the_error_without_a_traceback(sources_copy, tmp_path):
    line = edit_entry(sources_copy, "  language:", '  language: "\\ud800"')
    result = CliRunner().invoke(cli, ["build", "--sources", str(sources_copy), "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"manifest.yml:{line}: document 3 ({BUDGET}): language '\\ud800': holds a lone surrogate" in result.output
    assert not (tmp_path / "kb.db").exists()


def test_dates_that_exist_are_taken(sources_copy):
    edit_entry(sources_copy, "  published:", "  published: 2024-02-29")
    edit_entry(sources_copy, "  published:", "  published: 2020", "bdc-2020-brand-relaunch-survey")
    documents = {source.document.id: source.document for source in read_manifest(sources_copy)}
    assert documents[BUDGET].published == "2024-02-29"
    assert documents["bdc-2020-brand-relaunch-survey"].published == "2020"


@pytest.mark.parametrize("option,value,problem", [
    ("--published", "abc", "--published 'abc': is not a date: write 2026, 2026-06 or 2026-06-30"),
    ("--published", "2026-02-30", "--published '2026-02-30': there is no day 30 in 2026-02"),
    ("--id", "x\n", "--id 'x\\n': use lower-case letters, digits and hyphens"),
    ("--id", "cma/2024", "--id 'cma/2024': use lower-case letters, digits and hyphens"),
    ("--title-zh", "標題\x00", "--title-zh '標題\\x00': holds a NUL character"),
    ("--kind", "\x1b[2J", "--kind '\\x1b[2J': holds a control character (U+001B)"),
])
def test_kb_add_checks_its_options_by_the_manifests_rules(sources_copy, tmp_path, option, value, problem):
    path, options = a_budget(tmp_path)
    options = [value if previous == option else item for previous, item in zip([None] + options, options)]
    if option not in options:
        options += [option, value]
    output = refused_add(sources_copy, path, *options)
    assert f"Error: {problem}" in output


# --- files that are not text --------------------------------------------------------------


def _docx() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return data.getvalue()


@pytest.mark.parametrize("name,data,kind", [
    ("asks.html", "<!DOCTYPE html>\n<html><head><title>建議</title></head><body><h1>一、設立檢討機制</h1></body></html>\n".encode(), "an HTML page"),
    ("asks.htm", "<h1>香港中華廠商聯合會的建議</h1>\n<p>一、設立檢討機制</p>\n".encode(), "an HTML page"),
    ("asks.docx", _docx(), "a Word document (.docx)"),
    ("asks.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "a PNG image"),
])
def test_kb_add_refuses_a_file_that_is_not_text_and_says_what_it_is(sources_copy, tmp_path, name, data, kind):
    path = tmp_path / name
    path.write_bytes(data)
    output = refused_add(sources_copy, path, *NEW_PUBLISHER, "--published", "2026-06")
    assert f"{name}: not a PDF or UTF-8 text: it is {kind}" in output


# --- PDF pages too large to render ----------------------------------------------------------


def tiny_pdf(*sizes: tuple[int, int]) -> bytes:
    """A PDF of empty pages of these sizes (in points)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               "<< /Type /Pages /Kids [" + " ".join(f"{3 + i} 0 R" for i in range(len(sizes))) + f"] /Count {len(sizes)} >>"]
    objects += [f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] >>" for width, height in sizes]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


def test_ocr_refuses_a_page_too_large_before_rendering_any(sources_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(pdfplumber.page.Page, "to_image", lambda *args, **kwargs: pytest.fail("rendered a page"))
    path = tmp_path / "poster.pdf"
    path.write_bytes(tiny_pdf((595, 842), (60000, 60000)))
    output = refused_add(sources_copy, path, *NEW_PUBLISHER, "--published", "2026-06", "--ocr")
    assert ("poster.pdf: page 2 is 21,167 × 21,167 mm (60,000 × 60,000 pt): too large to read with OCR, "
            "which renders it at 300 dpi (250,000 × 250,000 pixels; the most is 50 million") in output
