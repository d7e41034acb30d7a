"""The wings' order (docs/architecture.md), kept by import-linter's contracts
in pyproject.toml: imports point down, and no wing's modules import each
other in a circle."""

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_the_wings_contracts_are_kept(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    status = lint_imports(no_cache=True, no_logo=True)
    assert status == 0, capsys.readouterr().out


def test_every_module_of_kb_is_in_a_wing():
    wings = {"cli", "web", "read", "build", "rules", "text"}
    outside = {path.name for path in (ROOT / "kb").glob("*.py")} - {"__init__.py", "__main__.py", "records.py"}
    folders = {path.name for path in (ROOT / "kb").iterdir() if path.is_dir() and any(path.glob("*.py"))}
    assert outside == set()
    assert folders == wings
