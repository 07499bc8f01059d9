"""`yuntai` on the command line. Heavy imports wait until a command needs them (fast --help).

Exit codes: 0 done, 1 the environment is broken (database, configuration), 2 usage errors.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from bot.knowledge import WORKFLOWS  # light: dataclasses, no database or network

log = logging.getLogger("yuntai")

WORKFLOW_CHOICES = WORKFLOWS  # one list of workflows, the knowledge base's
BATCH_CONCURRENCY = 8
BATCH_RECORDS = 64  # checks stored per transaction in batch mode; lines are printed once stored


class UsageError(Exception):
    """Exit 2 with this message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        raise UsageError(f"{message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="yuntai", description="Is this AI video demo representative of what the model really does?")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    c = sub.add_parser("check", help="reality-check one clip (or a batch)", description="Reality-check a clip.")
    c.add_argument("url", nargs="?", help="the clip's link")
    c.add_argument("--caption", help="the caption or description that came with it")
    c.add_argument("--model", help="the model that made it, when the link and caption don't say")
    c.add_argument("--workflow", choices=WORKFLOW_CHOICES, help="how it was made")
    c.add_argument("--batch", metavar="FILE.jsonl", help='one {"url", "caption"?, "model"?, "workflow"?} a line')
    c.add_argument("--json", action="store_true", help="print the JSON object of DESIGN.md")
    fetching = c.add_mutually_exclusive_group()
    fetching.add_argument("--no-fetch", dest="fetch", action="store_false", default=None,
                          help="don't read the clip's page; judge from what you give")
    fetching.add_argument("--fetch", dest="fetch", action="store_true",
                          help="read the clip's page even when YUNTAI_FETCH=off")

    ch = sub.add_parser("chat", help="a chat session in this terminal or through a pipe (the console adapter)")
    ch.add_argument("--community", help="the community to act in (default console:local)")
    ch.add_argument("--user", help="act as this user, an ordinary member unless --admin (default: you, an admin)")
    ch.add_argument("--admin", action="store_true", help="make the user an admin of the community")
    ch.add_argument("--json", action="store_true", help="print exactly one JSON object per reply, nothing else")
    sub.add_parser("run", help="the main job: Discord when DISCORD_TOKEN is set, Slack when its tokens are, "
                   "else the console")
    dc = sub.add_parser("discord", help="run the Discord bot (DISCORD_TOKEN), or register its commands")
    dcs = dc.add_subparsers(dest="discord_command")
    dsync = dcs.add_parser("sync", help="register the slash commands with Discord and exit")
    dsync.add_argument("--guild", type=int, default=None, help="one guild (instant, for development); else global")
    sl = sub.add_parser("slack", help="the Slack app: Socket Mode, or --http PORT for /slack/events")
    sl.add_argument("--http", metavar="PORT", type=int, dest="http_port",
                    help="serve /slack/events (and OAuth installs) on this port, verified by SLACK_SIGNING_SECRET")

    kb = sub.add_parser("kb", help="see and move the knowledge base")
    kbs = kb.add_subparsers(dest="kb_command", metavar="ACTION", parser_class=_Parser)
    kl = kbs.add_parser("list", help="list models, capabilities or claims")
    kl.add_argument("what", nargs="?", choices=("models", "capabilities", "claims"), default="models")
    kl.add_argument("--model", help="only the claims about this model")
    ks = kbs.add_parser("show", help="show one model or capability")
    ks.add_argument("id", help="a model name or id, or a capability id")
    ki = kbs.add_parser("import", help="import knowledge-base files (default: the shipped seed)")
    ki.add_argument("directory", nargs="?", help="a folder of models.yaml, capabilities.yaml, claims*.yaml")
    ke = kbs.add_parser("export", help="write the knowledge base as reviewable files")
    ke.add_argument("directory", help="the folder to write into (created if missing)")

    dg = sub.add_parser("digest", help="the weekly digest of a community")
    dgs = dg.add_subparsers(dest="digest_command", metavar="ACTION", parser_class=_Parser)
    dp = dgs.add_parser("preview", help="print this week's digest")
    dp.add_argument("--community", default=None, help="community id, e.g. discord:<guild> (default console:local)")
    dr = dgs.add_parser("run", help="post every digest that is due and not yet posted (for cron)")
    dr.add_argument("--now", help="the time to act at, ISO-8601 (default: now; without an offset: UTC)")
    dr.add_argument("--json", action="store_true", help="print one JSON object per digest posted, nothing else")
    dh = dgs.add_parser("history", help="the digests posted")
    dh.add_argument("--community", default=None, help="only this community's digests")
    dh.add_argument("--json", action="store_true", help="one JSON object per digest posted")

    llm = sub.add_parser("llm", help="the LLM summarizer")
    llms = llm.add_subparsers(dest="llm_command", metavar="ACTION", parser_class=_Parser)
    llms.add_parser("check", help="say what is configured and make one test call")

    db = sub.add_parser("db", help="database maintenance")
    dbs = db.add_subparsers(dest="db_command", metavar="ACTION", parser_class=_Parser)
    dbs.add_parser("upgrade", help="migrate the database to the newest schema")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        _configure_logging()
        return _dispatch(args)
    except UsageError as exc:
        _say(f"yuntai: {exc}")
        return 2
    except KeyboardInterrupt:
        _say("yuntai: interrupted")
        return 130
    except BrokenPipeError:
        return _output_closed()
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, logged in full
        from bot.config import ConfigError
        from storage.db import DatabaseError

        if isinstance(exc, DatabaseError | ConfigError | BatchStopped):
            _say(f"yuntai: {exc}")
            return 1
        log.debug("unexpected error", exc_info=True)
        _say(f"yuntai: unexpected error ({type(exc).__name__}); run with YUNTAI_LOG_LEVEL=DEBUG for details")
        return 1


def _say(line: str) -> None:
    """One line on stderr, terminal-safe (messages can quote what a user typed)."""
    from adapters.escape import for_console
    from bot.redact import redact_url

    print(for_console(redact_url(line)), file=sys.stderr)


def _output_closed() -> int:
    """The reader went away (`yuntai check ... | head -c 1`): that is the end of output, not an error.

    stdout is pointed at /dev/null so the interpreter's final flush cannot raise again.
    """
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout replaced by something without a file descriptor (tests)
        pass
    return 0


def _configure_logging() -> None:
    """stderr logging whose every line has URL secrets redacted, ours and the libraries' alike
    (httpx logs OPENAI_BASE_URL with its user and password at INFO)."""
    from bot.config import LOG_LEVELS, merged_env
    from bot.redact import RedactingFilter

    level = (merged_env().get("YUNTAI_LOG_LEVEL") or "WARNING").strip().upper()
    if level not in LOG_LEVELS:
        from bot.config import ConfigError

        raise ConfigError(f"YUNTAI_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    root = logging.getLogger()
    if not root.handlers:  # as logging.basicConfig: a host (or pytest) that set up logging keeps its handlers
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    root.setLevel(getattr(logging, level))
    for name in ("httpx", "httpcore", "openai"):  # also for handlers others attach (pytest, a host app)
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


def _settings():  # type: ignore[no-untyped-def]
    from bot.config import Settings

    return Settings.from_env()


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "check":
        return _check(args)
    if args.command == "slack":
        return _slack(args.http_port)
    if args.command == "discord" or (args.command == "run" and _settings().discord_token):
        return _discord(args)
    if args.command == "run" and _slack_configured():
        return _slack(None)
    if args.command in {"chat", "run"}:
        return _chat(args)
    if args.command == "kb":
        return _kb(args)
    if args.command == "digest":
        if args.digest_command == "run":
            return _digest_run(args)
        if args.digest_command == "history":
            return _digest_history(args)
        if args.digest_command != "preview":
            raise UsageError("digest needs an action: preview, run or history")
        return _digest_preview(args.community)
    if args.command == "llm":
        if args.llm_command != "check":
            raise UsageError("llm needs an action: check")
        from adapters.llm_check import llm_check
        from bot.config import merged_env
        from bot.llm.settings import LLMSettings

        return llm_check(LLMSettings.from_env(merged_env()), sys.stdout)
    if args.command == "db":
        if args.db_command != "upgrade":
            raise UsageError("db needs an action: upgrade")
        from storage.bootstrap import open_storage
        from storage.db import current_revision

        storage = open_storage(_settings().database_url)
        print(f"database at revision {current_revision(storage.engine)}")
        return 0
    raise UsageError(f"unknown command {args.command}")


# -- check ------------------------------------------------------------------------------------


class BatchStopped(RuntimeError):
    """The database broke mid-batch: stop with this one line and exit 1 (every later line would fail too)."""


def text_problem(value: str | None) -> str:
    """Why member text can't be taken at all ("" when it can, perhaps after `edge_clean`).

    A lone surrogate (an invalid byte in argv, or "\\ud800" in JSON) cannot be encoded, so it
    used to surface deep inside storage as an internal error with the caption in the traceback;
    it is refused here, where the user can be told which value is wrong.
    """
    if value is None or value.isascii():
        return ""
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "is not valid UTF-8 text (a stray byte or a lone surrogate)"
    return ""


def edge_clean(value: str | None) -> str | None:
    """NUL removed: Postgres text can't hold it, and it is never meaningful in a caption."""
    return value.replace("\x00", "") if value is not None and "\x00" in value else value


def _check(args: argparse.Namespace) -> int:
    if args.batch and args.url:
        raise UsageError("give either a URL or --batch FILE, not both")
    if not args.batch and not args.url:
        raise UsageError("check needs a clip URL (or --batch FILE.jsonl)")
    for what, key in (("the URL", "url"), ("--caption", "caption"), ("--model", "model")):
        problem = text_problem(getattr(args, key))
        if problem:
            raise UsageError(f"{what} {problem}")
        setattr(args, key, edge_clean(getattr(args, key)))
    from bot.service import MAX_CAPTION

    if args.caption is not None and len(args.caption) > MAX_CAPTION:
        raise UsageError(f"the caption is {len(args.caption):,} characters long; the limit is {MAX_CAPTION:,}")
    # Input errors are found before the database is opened, so a typo never touches storage.
    from bot.links import LinkError, parse_link

    if args.url:
        try:
            parse_link(args.url)
        except LinkError as exc:
            raise UsageError(str(exc)) from None

    from adapters.wiring import build_app

    settings = _settings()
    # YUNTAI_FETCH holds unless a flag on this command line says otherwise.
    args.fetch = settings.fetch_enabled if args.fetch is None else args.fetch
    app = build_app(settings, fetch=args.fetch, record_batch=BATCH_RECORDS if args.batch else 1)
    try:
        if args.batch:
            return _batch(app, args)
        return _single(app, args)
    finally:
        app.close()


def _single(app: Any, args: argparse.Namespace) -> int:
    import asyncio

    from adapters.text_render import render_check
    from bot.config import CONSOLE_COMMUNITY
    from bot.ports import Actor
    from bot.service import INPUT_ERRORS, CheckRequest

    actor = Actor(CONSOLE_COMMUNITY, "cli")
    request = CheckRequest(args.url, args.caption, args.model, args.workflow, fetch=args.fetch)

    async def one():  # type: ignore[no-untyped-def]
        try:
            return await app.checks.check(request, actor)
        finally:
            await app.aclose()

    try:
        result = asyncio.run(one())
    except INPUT_ERRORS as exc:
        raise UsageError(_as_typed_here(exc)) from None
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(render_check(result))
    sys.stdout.flush()  # a closed pipe shows up here, inside main's handling, not at interpreter exit
    return 0


def _read_batch(path: str):  # type: ignore[no-untyped-def]
    """(line number, request fields or an error message) for each non-blank line."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below; lines decoded one by one
    except OSError as exc:
        raise UsageError(f"can't read {path}: {exc.strerror}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            yield number, _parse_batch_line(raw)


def _parse_batch_line(raw: bytes) -> dict[str, Any] | str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "the line is not UTF-8 text"
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"the line is not valid JSON ({exc.msg})"
    except RecursionError:
        return "the line is nested too deeply to be a clip"
    if not isinstance(obj, dict):
        return 'each line must be a JSON object like {"url": "..."}'
    unknown = set(obj) - {"url", "caption", "model", "workflow"}
    if unknown:
        return f"unknown field(s): {', '.join(sorted(unknown))[:100]}"
    for key in ("url", "caption", "model", "workflow"):
        if key in obj and obj[key] is not None and not isinstance(obj[key], str):
            return f'"{key}" must be a string'
        problem = text_problem(obj.get(key))
        if problem:
            return f'"{key}" {problem}'
        if key in obj:
            obj[key] = edge_clean(obj[key])
    if not obj.get("url"):
        return 'the line has no "url"'
    if obj.get("workflow") and obj["workflow"] not in WORKFLOW_CHOICES:
        return f'"workflow" must be one of {", ".join(WORKFLOW_CHOICES)}'
    return obj


def _line_failure(exc: Exception, database: str) -> str:
    """What a failed line says, or raise BatchStopped when the database itself is broken.

    A data problem (text Postgres can't store, a lost race on a unique key) is that line's; an
    operational one (disk full, read-only, connection gone, damaged file) would fail every later
    line too, so the batch stops at once with one line instead of thousands of "internal error"s.
    """
    from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError

    from storage.db import DatabaseError, explain

    if isinstance(exc, DatabaseError):
        raise BatchStopped(f"{exc}; batch stopped (the lines printed above are stored)") from exc
    if isinstance(exc, DataError):
        return "the database can't store the text of this line"
    if isinstance(exc, DBAPIError) and not isinstance(exc, IntegrityError):
        raise BatchStopped(f"{explain(exc, database)}; batch stopped (the lines printed above are stored)") from exc
    if isinstance(exc, SQLAlchemyError):
        return f"the database refused this line ({type(exc).__name__})"
    return f"internal error ({type(exc).__name__})"


def _batch(app: Any, args: argparse.Namespace) -> int:
    import asyncio

    from adapters.escape import for_console
    from bot.config import CONSOLE_COMMUNITY
    from bot.ports import Actor
    from bot.service import INPUT_ERRORS, CheckRequest

    actor = Actor(CONSOLE_COMMUNITY, "cli")
    progress = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(desc="checking", unit="clip", file=sys.stderr)

    stopped: list[BatchStopped] = []  # the first broken-database error; no check starts after it

    async def one(number: int, item: dict[str, Any] | str) -> dict[str, Any] | tuple[int, Any]:
        if stopped:
            raise stopped[0]
        if isinstance(item, str):
            return {"line": number, "error": item}
        request = CheckRequest(
            item["url"], item.get("caption") or args.caption, item.get("model") or args.model,
            item.get("workflow") or args.workflow, fetch=args.fetch,
        )
        try:
            return (number, await app.checks.check(request, actor))
        except INPUT_ERRORS as exc:
            return {"line": number, "error": _as_typed_here(exc)}
        except Exception as exc:  # noqa: BLE001 - one bad line must not stop the batch
            try:
                error = _line_failure(exc, str(app.storage.engine.url))
            except BatchStopped as stop:  # the database broke: this and every later line stop here
                stopped.append(stop)
                raise
            # Type only at ERROR: the exception text can carry the member's caption.
            log.error("batch line %s failed: %s", number, type(exc).__name__)
            log.debug("batch line %s failed", number, exc_info=True)
            return {"line": number, "error": error}

    def emit(out: dict[str, Any] | tuple[int, Any]) -> None:
        if isinstance(out, dict):
            line = (json.dumps(out, ensure_ascii=False) if args.json
                    else for_console(f"line {out['line']}: error: {out['error']}"))
        else:
            number, result = out
            if args.json:
                line = json.dumps(result.to_json(), ensure_ascii=False)
            else:
                line = for_console(f"line {number}: {result.level.label} {result.clip.canonical_url} "
                                   f"{result.summary}")
        print(line, flush=True)
        if progress is not None:
            progress.update(1)

    async def run_all() -> None:
        sem = asyncio.Semaphore(BATCH_CONCURRENCY)

        async def limited(number: int, item: dict[str, Any] | str):  # type: ignore[no-untyped-def]
            async with sem:
                return await one(number, item)

        window: list[asyncio.Task] = []
        done: list[dict[str, Any] | tuple[int, Any]] = []

        async def stored() -> None:
            # Lines are printed only once their checks are committed, so what was printed was stored.
            # A row the database refuses becomes that line's error; a broken database stops the batch.
            try:
                refused = await app.checks.flush()
            except Exception as exc:  # noqa: BLE001 - sorted by _line_failure
                _line_failure(exc, str(app.storage.engine.url))
                raise BatchStopped(f"{exc}; batch stopped (the lines printed above are stored)") from exc
            database = str(app.storage.engine.url)
            errors = {id(record.result): _line_failure(exc.__cause__ or exc, database) for record, exc in refused}
            for out in done:
                if isinstance(out, tuple) and id(out[1]) in errors:
                    emit({"line": out[0], "error": errors[id(out[1])]})
                else:
                    emit(out)
            done.clear()

        try:
            for number, item in _read_batch(args.batch):
                window.append(asyncio.create_task(limited(number, item)))
                if len(window) >= BATCH_CONCURRENCY * 4:
                    done.append(await window.pop(0))
                    if len(done) >= BATCH_RECORDS:
                        await stored()
            while window:
                done.append(await window.pop(0))
            await stored()
        finally:
            for task in window:  # a stopped batch: nothing more is started or printed
                task.cancel()
            await asyncio.gather(*window, return_exceptions=True)
            await app.aclose()

    try:
        asyncio.run(run_all())
    finally:
        if progress is not None:
            progress.close()
    return 0


# -- chat, digest and kb ----------------------------------------------------------------------


def _digest_preview(community: str | None) -> int:
    from adapters.text_render import render_digest
    from adapters.wiring import build_app
    from bot.config import CONSOLE_COMMUNITY
    from bot.ports import Actor

    app = build_app(_settings(), fetch=False)
    try:
        digests = app.services.digests
        assert digests is not None
        print(render_digest(digests.preview(Actor(community or CONSOLE_COMMUNITY, "cli", is_admin=True))))
    finally:
        app.close()
    return 0


def _digest_now(text: str | None):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--now must be an ISO-8601 time such as 2026-12-07T09:00:00+00:00 (got '{text[:40]}')") \
            from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _digest_run(args: argparse.Namespace) -> int:
    import asyncio

    from adapters.digest_console import ConsoleDigestPoster
    from adapters.wiring import build_app, build_digest_runner

    now = _digest_now(args.now)  # a bad --now is refused before the database is opened
    app = build_app(_settings(), fetch=False)
    try:
        runner = build_digest_runner(app, ConsoleDigestPoster(json_mode=args.json))
        posted = asyncio.run(runner.run_due(now))
        if not args.json:
            print(f"posted {len(posted)} digest(s)" + "".join(f"; {p.community_id} {p.week}" for p in posted))
    finally:
        app.close()
    return 0


def _digest_history(args: argparse.Namespace) -> int:
    from storage.bootstrap import open_storage
    from storage.gateways import SqlDigestLedger

    store = open_storage(_settings().database_url)
    try:
        rows = SqlDigestLedger(store.uow).history(args.community)
    finally:
        store.close()
    for row in rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            s = row["summary"]
            print(f"{row['week']}  {row['community']:<24} sent {row['sent_at'][:16]} to {row['channel']}: "
                  f"{s.get('checks', 0)} checks")
    if not rows and not args.json:
        print("no digest has been posted" + (f" in {args.community}" if args.community else ""))
    return 0


def _as_typed_here(exc: Exception) -> str:
    """An input error's text for the command line: the core's unknown-model hint names the chat's /model."""
    from bot.signals import UnknownModel

    if isinstance(exc, UnknownModel) and not exc.suggestions:
        return f"I don't know a model called {exc.name!r}. `yuntai kb list models` lists them."
    return str(exc)


def _discord(args: argparse.Namespace) -> int:
    from adapters.discord.runner import run_discord
    from adapters.discord_endpoints import EndpointError
    from adapters.wiring import build_app
    from bot.config import merged_env

    env = merged_env()
    sync = getattr(args, "discord_command", None) == "sync"
    app = build_app(_settings(), serving=not sync)  # `sync` registers commands and exits: no checks to read
    try:
        return run_discord(app, env, sync=sync,
                           guild=getattr(args, "guild", None))
    except EndpointError as exc:
        raise UsageError(str(exc)) from None
    finally:
        app.close()


def _chat(args: argparse.Namespace) -> int:
    from adapters.console import console_requester, run_console
    from adapters.wiring import build_app

    settings = _settings()
    if args.command == "run" and settings.slack_bot_token:
        print("yuntai: Slack needs both SLACK_BOT_TOKEN and SLACK_APP_TOKEN (or run `yuntai slack --http PORT`); "
              "starting the console.", file=sys.stderr)
    options = vars(args)
    if options.get("admin") and not options.get("user"):
        raise UsageError("--admin needs --user: the operator is an admin already")
    who = console_requester(options.get("community"), options.get("user"),
                            True if options.get("admin") else None)
    app = build_app(settings)
    try:
        return run_console(app.chat, aclose=app.aclose, requester=who, json_mode=bool(options.get("json")))
    finally:
        app.close()


def _slack_configured() -> bool:
    from adapters.slack.run import SlackConfig

    return SlackConfig.from_env().socket_mode_ready


def _slack(http_port: int | None) -> int:
    """The Slack app in the foreground until Ctrl-C; a missing token is one line and exit 1."""
    from adapters.slack.run import SlackConfig, run_slack
    from adapters.wiring import build_app

    if http_port is not None and not 0 < http_port < 65536:
        raise UsageError(f"--http needs a port between 1 and 65535, not {http_port}")
    config = SlackConfig.from_env()
    config.check(http=http_port is not None)
    app = build_app(_settings(), serving=True)
    try:
        return run_slack(app, http_port=http_port, config=config)
    finally:
        app.close()


def _kb(args: argparse.Namespace) -> int:
    from storage.bootstrap import open_storage

    if args.kb_command is None:
        raise UsageError("kb needs an action: list, show, import or export")
    store = open_storage(_settings().database_url)
    kb = store.knowledge.knowledge_base()
    if args.kb_command == "list":
        return _kb_list(kb, args)
    if args.kb_command == "show":
        return _kb_show(store, kb, args.id)
    if args.kb_command == "import":
        from storage.seed_files import SeedError, load_seed

        try:
            loaded = load_seed(Path(args.directory) if args.directory else None)
        except OSError as exc:
            raise UsageError(f"can't import: {exc}") from None
        except RecursionError:  # PyYAML recurses once per nesting level
            raise UsageError(f"can't import: a file in {args.directory} is nested too deeply to be a "
                             "knowledge-base file") from None
        except SeedError as exc:
            for problem in exc.problems:  # every problem, so one pass over the files fixes them all
                print(f"yuntai: {problem}", file=sys.stderr)
            raise UsageError(f"can't import: {len(exc.problems)} problem(s) above; nothing was imported") from None
        report = store.knowledge.import_knowledge(loaded, actor="seed")
        print(f"imported {report.models} models, {report.capabilities} capabilities; claims: "
              f"{report.claims_created} new, {report.claims_updated} changed, {report.claims_retired} retired, "
              f"{report.claims_unchanged} unchanged; knowledge base {report.version}")
        for note in report.notes:
            print(f"  note: {note}")
        return 0
    if args.kb_command == "export":
        from storage.seed_files import dump_seed

        target = Path(args.directory)
        try:
            target.mkdir(parents=True, exist_ok=True)
            dump_seed(kb, target)
        except OSError as exc:
            raise UsageError(f"can't write to {target}: {exc.strerror}") from None
        print(f"wrote {len(kb.models)} models, {len(kb.capabilities)} capabilities and {len(kb.claims)} claims "
              f"to {target}")
        return 0
    raise UsageError(f"unknown kb action {args.kb_command}")


def _kb_list(kb: Any, args: argparse.Namespace) -> int:
    if args.what == "models":
        for m in kb.models:
            n = sum(len(v) for v in kb.claims_by_model.get(m.id, {}).values())
            print(f"{m.id:<22} {m.name:<26} {m.vendor:<24} {n:>4} claims")
    elif args.what == "capabilities":
        for c in kb.capabilities:
            depth = len(kb.path(c.id)) - 1
            print(f"{'  ' * depth}{c.id}  ({len(c.terms)} terms)")
    else:
        model_id = None
        if args.model:
            from bot.signals import ModelMatcher, UnknownModel

            try:
                model_id = ModelMatcher(kb).resolve(args.model).id
            except UnknownModel as exc:
                raise UsageError(_as_typed_here(exc)) from None
        for c in kb.claims:
            if model_id and c.model != model_id:
                continue
            src = c.sources[0] if c.sources else None
            print(f"{c.model:<20} {c.capability:<18} {c.rating:<9} {src.date if src else '':<10} "
                  f"{src.url if src else ''}")
    return 0


def _kb_show(store: Any, kb: Any, ident: str) -> int:
    from adapters.text_render import render
    from bot.config import CONSOLE_COMMUNITY
    from bot.ports import Actor
    from bot.reports import ModelReports
    from bot.service import CheckService

    cap = kb.capability_by_id.get(ident)
    if cap is not None:
        print(f"{cap.id}: {cap.name}  (path: {' > '.join(kb.path(cap.id))})")
        if cap.description:
            print(f"  {cap.description}")
        print(f"  terms: {', '.join(cap.terms)}")
        if cap.not_terms:
            print(f"  not: {', '.join(cap.not_terms)}")
        if cap.implies:
            unless = f" unless {', '.join(cap.unless)} is shown" if cap.unless else ""
            print(f"  implies: {', '.join(cap.implies)}{unless}")
        return 0
    reply = ModelReports(CheckService(store.knowledge)).report_sync(ident, Actor(CONSOLE_COMMUNITY, "cli"))
    text = render(reply)
    if text.startswith("Sorry: "):
        raise UsageError(text.removeprefix("Sorry: "))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
