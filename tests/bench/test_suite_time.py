"""bench.suite_time: the old suite's test names are read from git, and its plugin keeps only those tests."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench import suite_time


def test_the_names_are_the_test_functions_of_that_commit():
    try:
        names = suite_time.test_names_at(suite_time.BASE)
    except (subprocess.CalledProcessError, FileNotFoundError):
        pytest.skip(f"{suite_time.BASE} is not in this checkout's history (a shallow clone)")
    assert len(names) == 250  # what `git grep -c "def test_"` counts there; 805 tests once parametrized
    assert "test_link_error_is_value_error" in names  # removed since (it checked nothing)
    assert "test_round_trip" in names and all(name.startswith("test") for name in names)


def test_the_plugin_keeps_only_the_named_tests_and_reports_the_rest_deselected(tmp_path, monkeypatch):
    listing = tmp_path / "names.txt"
    listing.write_text("test_a\ntest_c\n")
    monkeypatch.setenv(suite_time.NAMES_ENV, str(listing))
    items = [SimpleNamespace(name="test_a[1]", originalname="test_a"), SimpleNamespace(name="test_b"),
             SimpleNamespace(name="test_a[2]", originalname="test_a"), SimpleNamespace(name="test_c")]
    deselected: list[object] = []
    config = SimpleNamespace(hook=SimpleNamespace(pytest_deselected=lambda items: deselected.extend(items)))
    kept = list(items)
    suite_time.pytest_collection_modifyitems(config, kept)
    assert kept == [items[0], items[2], items[3]] and deselected == [items[1]]


def test_without_the_variable_the_plugin_changes_nothing(monkeypatch):
    monkeypatch.delenv(suite_time.NAMES_ENV, raising=False)
    items = [SimpleNamespace(name="test_b")]
    suite_time.pytest_collection_modifyitems(SimpleNamespace(hook=None), items)
    assert [item.name for item in items] == ["test_b"]


def test_a_node_id_is_split_before_its_parameters_which_may_hold_colons():
    assert suite_time.split_node_id("tests/bot/test_netguard.py::test_embedded_ipv4_unwrapped_and_named[::ffff:a]") \
        == ("tests/bot/test_netguard.py", "test_embedded_ipv4_unwrapped_and_named")
    assert suite_time.split_node_id("tests/a.py::TestX::test_y") == ("tests/a.py", "test_y")


def test_the_same_tests_run_is_given_the_plugin_their_files_and_the_old_names(monkeypatch, capsys):
    ids = ["tests/bot/test_a.py::test_old[x::1]", "tests/bot/test_a.py::test_new", "tests/bot/test_b.py::test_new2"]
    monkeypatch.setattr(suite_time, "test_names_at", lambda commit: {"test_old", "test_removed"})
    monkeypatch.setattr(suite_time, "collect", lambda env: ids)
    runs: list[tuple[list[str], str | None]] = []

    def run(args, env):  # type: ignore[no-untyped-def]
        listing = env.get(suite_time.NAMES_ENV)
        runs.append((args, Path(listing).read_text().split() if listing else None))
        return (10.0, 20.0, "ok") if not args else (4.0, 5.0, "ok")

    monkeypatch.setattr(suite_time, "run", run)
    assert suite_time.main(["--rounds", "2"]) == 0
    whole, subset = ([], None), (["-p", "bench.suite_time", "tests/bot/test_a.py"], ["test_old", "test_removed"])
    assert runs == [whole, subset, whole, subset]
    out = capsys.readouterr().out
    assert "1 tests, of the 1 of its 2 test functions that still exist by name, in 1 files" in out
    assert "gone or renamed since: test_removed" in out and "wall 0.40, CPU 0.25" in out


def test_a_commit_not_in_the_history_is_skipped_with_a_reason(capsys):
    assert suite_time.main(["--base", "0" * 40]) == 0
    assert "skipped, " + "0" * 40 + " is not a commit in this checkout's history" in capsys.readouterr().out


def test_an_unreadable_names_file_is_a_usage_error_that_names_it(tmp_path, monkeypatch):
    monkeypatch.setenv(suite_time.NAMES_ENV, str(tmp_path / "missing.txt"))
    with pytest.raises(pytest.UsageError, match="missing.txt: can't read the test names"):
        suite_time.pytest_collection_modifyitems(SimpleNamespace(hook=None), [])


def test_a_base_that_git_would_read_as_an_option_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        suite_time.main(["--base=--output=/tmp/x"])
    assert exit_.value.code == 2 and "is not a commit" in capsys.readouterr().err
