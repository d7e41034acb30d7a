"""How kb serves: Datasette's settings (facet suggestions off), and only
``kb serve`` imports Datasette."""

import subprocess
import sys

from datasette.app import Datasette

from kb.serving import datasette_settings, setting_args
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
