"""How kb serves: Datasette's settings (facet suggestions off), and only
``kb serve`` imports Datasette."""

import subprocess
import sys

from datasette.app import Datasette

from kb.cli.serving import datasette_settings, setting_args
from tests.conftest import ROOT


def test_the_settings_turn_facet_suggestions_off():
    assert setting_args() == ["--setting", "truncate_cells_html", "300", "--setting", "suggest_facets", "off"]
    assert datasette_settings() == {"truncate_cells_html": 300, "suggest_facets": False}


async def test_the_recommendations_table_suggests_no_facets(built_db):
    datasette = Datasette(immutables=[str(built_db)], settings=datasette_settings())
    data = (await datasette.client.get("/kb/recommendations.json?_extra=suggested_facets")).json()
    assert data.get("suggested_facets", []) == []
    with_suggestions = Datasette(immutables=[str(built_db)])
    data = (await with_suggestions.client.get("/kb/recommendations.json?_extra=suggested_facets")).json()
    assert data["suggested_facets"]


def test_the_cli_imports_datasette_only_to_serve():
    code = "import sys, kb.cli; print(sorted(m for m in sys.modules if m.split('.')[0] == 'datasette'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


def test_sentences_are_paired_as_by_trying_every_one(built_db):
    # compare_view tries B's sentences by an upper bound of their ratio and
    # stops early; the pairs must be those of working out every ratio.
    import sqlite3
    from difflib import SequenceMatcher

    from kb.read import compare as kb_compare
    from kb.web import compare_view

    def every_ratio(sentence, b_s, start):
        ratios = [(SequenceMatcher(None, sentence, other, autojunk=False).ratio(), k) for k, other in enumerate(b_s[start:], start)]
        return max(ratios, default=(0, None))

    with sqlite3.connect(built_db) as conn:
        pairs = conn.execute("select from_id, to_id from links").fetchall()
        texts = [(kb_compare.row_text(conn, a), kb_compare.row_text(conn, b)) for a, b in pairs]
    tried = 0
    for a_text, b_text in texts:
        a_s, b_s = compare_view.sentences(a_text), compare_view.sentences(b_text)
        for sentence in a_s:
            for start in range(len(b_s)):
                expected = every_ratio(sentence, b_s, start)
                found = compare_view._most_alike(sentence, b_s, start)
                if expected[0] >= compare_view.PAIRING_RATIO or found[0] >= compare_view.PAIRING_RATIO:
                    assert found == expected
                    tried += 1
    assert tried > 100
