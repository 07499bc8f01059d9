"""The exit codes scripts rely on: 0 done, 1 failed, 2 usage, 130 interrupted; never a traceback."""

from __future__ import annotations

import pytest

import adapters.cli as cli


def test_no_command_prints_help_and_exits_2(capsys) -> None:
    assert cli.main([]) == 2
    out, err = capsys.readouterr()
    assert "usage: yuntai" in out and err == ""


def test_ctrl_c_exits_130_with_one_line(monkeypatch, capsys) -> None:
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_dispatch", interrupted)
    assert cli.main(["kb", "list", "models"]) == 130
    assert capsys.readouterr().err == "yuntai: interrupted\n"


def test_an_unexpected_error_exits_1_with_one_line_naming_its_type(monkeypatch, capsys) -> None:
    def broken(args: object) -> int:
        raise ZeroDivisionError("secret detail")

    monkeypatch.setattr(cli, "_dispatch", broken)
    assert cli.main(["kb", "list", "models"]) == 1
    err = capsys.readouterr().err
    assert err == ("yuntai: unexpected error (ZeroDivisionError); run with YUNTAI_LOG_LEVEL=DEBUG for details\n")


@pytest.mark.parametrize("argv", [["check"], ["frobnicate"]])
def test_usage_errors_exit_2(argv: list[str], capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("yuntai: ") and err.count("\n") == 1
