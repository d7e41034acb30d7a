import re

from kb.cli import cli
from kb.build.store import TABLES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_has_a_readme_section():
    for name in cli.commands:
        assert f"### kb {name}\n" in README, name


def test_the_two_setup_commands_are_near_the_top():
    top = README[: README.index("## What is in it")]
    assert "pip install -e . && kb serve" in top
    assert "bash scripts/test" in top
    assert "bash scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_public_table_and_column_is_documented():
    for table, columns in TABLES.items():
        if table == "build_info":
            continue
        assert f"**`{table}`**" in README, table
        for column in columns:
            assert re.search(rf"`{column}`", README), f"{table}.{column}"
