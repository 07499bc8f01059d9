"""bench.suite_time: the old suite's test names are read from git, and its plugin keeps only those tests."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest

from bench import suite_time


def test_the_names_are_the_test_functions_of_that_commit():
    try:
        names = suite_time.test_names_at(suite_time.BASE)
    except subprocess.CalledProcessError:
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
