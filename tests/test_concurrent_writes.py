"""Every write to sources/ under one lock, through a temporary file of its
own, renamed into place: commands run at once lose nothing, and a write that
fails half-way leaves sources/ as it was (kb.build.writing)."""

import errno
import multiprocessing
import os
import resource
import subprocess
import sys
import traceback
from pathlib import Path

import yaml
from click.testing import CliRunner

import kb.build.add
from kb.build.writing import LOCK_NAME
from kb.cli import cli
from tests.conftest import ROOT
from tests.test_add import NEW_PUBLISHER, TAXI_UNION, snapshot

BUDGET = "hksarg-2024-25-budget"
# Two asks of cma-2024-budget and a paragraph of the budget that answers each, as in the issue.
VERDICTS = [("cma-2024-budget/1", f"{BUDGET}/21"), ("cma-2024-budget/2", f"{BUDGET}/22")]


def start_kb(*args, **options) -> subprocess.Popen:
    """kb with these arguments as a process of its own, running this
    checkout's code."""
    return subprocess.Popen([sys.executable, "-m", "kb", *map(str, args)], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **options)


def finish(processes: list[subprocess.Popen]) -> list[tuple[int, str]]:
    return [(process.wait(timeout=120), process.stdout.read()) for process in processes]


def leftovers(folder: Path, before: dict[str, bytes]) -> list[str]:
    """Files in ``folder`` that were not there before, the lock file aside."""
    return sorted(path.name for path in folder.iterdir() if path.name not in before and path.name != LOCK_NAME)


def forked_kb(args: list[str], send, prepare=None) -> None:
    """kb with these arguments in a forked process (``prepare`` called first):
    it starts in milliseconds, where ``python -m kb`` takes a second to
    import jieba."""
    if prepare:
        prepare()
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += "".join(traceback.format_exception(*result.exc_info))
    send.send((result.exit_code, output))
    send.close()


FORK = multiprocessing.get_context("fork")


def run_at_once(commands: list[list], prepare=None) -> list[tuple[int, str]]:
    """Each command in a process of its own, all started together; their
    exit codes and outputs."""
    fork = FORK
    started = []
    for args in commands:
        receive, send = fork.Pipe(duplex=False)
        process = fork.Process(target=forked_kb, args=(args, send, prepare))
        process.start()
        send.close()
        started.append((process, receive))
    results = [receive.recv() for _, receive in started]
    for process, _ in started:
        process.join(timeout=60)
        assert process.exitcode == 0
    return results


def test_reviews_written_at_once_keep_every_verdict(built_db, sources_copy):
    results = []
    for round in range(10):  # 100 kb review processes, 10 at a time: 5 on each of two asks
        commands = [["review", *VERDICTS[index % 2], "--confirm", "--note", f"round-{index}", "--no-build",
                     "-s", sources_copy, "-d", built_db] for index in range(round * 10, round * 10 + 10)]
        results += run_at_once(commands)
    failed = [output for code, output in results if code != 0 or "Wrote to" not in output]
    assert failed == []
    notes = [entry.get("note") for entry in yaml.safe_load((sources_copy / "response_reviews.yml").read_text(encoding="utf-8"))]
    assert sorted(note for note in notes if note and note.startswith("round-")) == sorted(f"round-{index}" for index in range(100))
    assert leftovers(sources_copy, snapshot(ROOT / "sources")) == []


def test_two_adds_of_one_id_at_once_add_it_once(sources_copy):
    before = (sources_copy / "manifest.yml").read_text(encoding="utf-8")
    both_checked = FORK.Barrier(2)

    def meet_once_checked():
        """Both processes have found the id free before either writes: the
        race the lock is for, every time rather than now and then."""
        describe = kb.build.add.manifest_entry

        def entry(*args, **options):
            both_checked.wait(timeout=30)
            return describe(*args, **options)

        kb.build.add.manifest_entry = entry

    add = ["add", TAXI_UNION, "--id", "hktdu-2026-ride-hailing", *NEW_PUBLISHER, "-s", sources_copy, "--no-build"]
    (won, output), (lost, message) = sorted(run_at_once([add, add], prepare=meet_once_checked))
    assert won == 0 and "Wrote " in output, output
    assert lost == 1 and "Traceback" not in message, message
    assert "\nError: id 'hktdu-2026-ride-hailing' is already in " in message  # after what it would have stored
    assert message.rstrip().endswith("Nothing was written.")
    manifest = (sources_copy / "manifest.yml").read_text(encoding="utf-8")
    assert manifest.startswith(before) and manifest.count("id: hktdu-2026-ride-hailing\n") == 1
    assert (sources_copy / "hktdu-2026-ride-hailing.pdf").read_bytes() == TAXI_UNION.read_bytes()
    assert leftovers(sources_copy, snapshot(ROOT / "sources")) == ["hktdu-2026-ride-hailing.pdf", "hktdu-2026-ride-hailing.txt"]


def disk_full(monkeypatch, when=lambda source, target: True):
    """``os.replace`` fails as on a full disk (for the targets ``when`` picks)."""
    replace = os.replace

    def failing(source, target, **options):
        if when(source, target):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return replace(source, target, **options)

    monkeypatch.setattr(os, "replace", failing)


def test_a_verdict_that_fails_to_write_leaves_the_reviews_file_as_it_was(built_db, sources_copy, monkeypatch):
    before = snapshot(sources_copy)
    disk_full(monkeypatch)
    result = CliRunner().invoke(cli, ["review", VERDICTS[0][0], VERDICTS[0][1], "--confirm", "--no-build",
                                      "-s", str(sources_copy), "-d", str(built_db)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "response_reviews.yml: cannot write it: No space left on device" in result.output
    assert "Nothing was written." in result.output and "Wrote" not in result.output
    assert {name: data for name, data in snapshot(sources_copy).items() if name != LOCK_NAME} == before


def test_an_add_that_fails_at_the_manifest_removes_the_text_and_the_pdf(sources_copy, monkeypatch):
    before = snapshot(sources_copy)
    disk_full(monkeypatch, when=lambda source, target: Path(target).name == "manifest.yml")
    result = CliRunner().invoke(cli, ["add", str(TAXI_UNION), *NEW_PUBLISHER, "-s", str(sources_copy), "--no-build"],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert "cannot write to it: No space left on device" in result.output and "Nothing was written." in result.output
    assert {name: data for name, data in snapshot(sources_copy).items() if name != LOCK_NAME} == before


def test_an_add_that_runs_out_of_room_writing_the_pdf_leaves_sources_as_they_were(sources_copy):
    """A real failed write: the process may write no file past 100 kB (the
    text fits, the PDF does not), as when the disk fills."""
    before = snapshot(sources_copy)
    limit = 100_000
    assert len(before["manifest.yml"]) < limit < TAXI_UNION.stat().st_size

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    process = start_kb("add", TAXI_UNION, *NEW_PUBLISHER, "-s", sources_copy, "--no-build", preexec_fn=small_files)
    [(code, output)] = finish([process])
    assert code == 1 and "Traceback" not in output, output
    assert "cannot write to it: File too large" in output and "Nothing was written." in output
    assert {name: data for name, data in snapshot(sources_copy).items() if name != LOCK_NAME} == before


def test_a_temporary_file_left_by_a_killed_writer_is_removed_by_the_next(built_db, sources_copy):
    left = sources_copy / ".response_reviews.yml.k1ll3d.kb-tmp"
    left.write_text("half a file", encoding="utf-8")
    result = CliRunner().invoke(cli, ["review", *VERDICTS[0], "--confirm", "--no-build", "-s", str(sources_copy), "-d", str(built_db)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not left.exists() and leftovers(sources_copy, snapshot(ROOT / "sources")) == []
