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

log = logging.getLogger("yuntai")

WORKFLOW_CHOICES = ("text-to-video", "image-to-video", "video-to-video")
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
    c.add_argument("--no-fetch", action="store_true", help="don't read the clip's page; judge from what you give")

    ch = sub.add_parser("chat", help="a chat session in this terminal or through a pipe (the console adapter)")
    ch.add_argument("--community", help="the community to act in (default console:local)")
    ch.add_argument("--user", help="act as this user, an ordinary member unless --admin (default: you, an admin)")
    ch.add_argument("--admin", action="store_true", help="make the user an admin of the community")
    ch.add_argument("--json", action="store_true", help="print exactly one JSON object per reply, nothing else")
    sub.add_parser("run", help="the main job: the console now; Discord and Slack when configured")

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
        print(f"yuntai: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("yuntai: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, logged in full
        from bot.config import ConfigError
        from storage.db import DatabaseError

        if isinstance(exc, DatabaseError | ConfigError):
            print(f"yuntai: {exc}", file=sys.stderr)
            return 1
        log.debug("unexpected error", exc_info=True)
        print(f"yuntai: unexpected error ({type(exc).__name__}); run with YUNTAI_LOG_LEVEL=DEBUG for details",
              file=sys.stderr)
        return 1


def _configure_logging() -> None:
    from bot.config import merged_env

    level = (merged_env().get("YUNTAI_LOG_LEVEL") or "WARNING").upper()
    logging.basicConfig(level=getattr(logging, level, logging.WARNING), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _settings():  # type: ignore[no-untyped-def]
    from bot.config import Settings

    return Settings.from_env()


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "check":
        return _check(args)
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


def _check(args: argparse.Namespace) -> int:
    if args.batch and args.url:
        raise UsageError("give either a URL or --batch FILE, not both")
    if not args.batch and not args.url:
        raise UsageError("check needs a clip URL (or --batch FILE.jsonl)")
    if args.caption is not None and len(args.caption) > 20_000:
        raise UsageError(f"the caption is {len(args.caption):,} characters long; the limit is 20,000")
    # Input errors are found before the database is opened, so a typo never touches storage.
    from bot.links import LinkError, parse_link

    if args.url:
        try:
            parse_link(args.url)
        except LinkError as exc:
            raise UsageError(str(exc)) from None

    from adapters.wiring import build_app

    app = build_app(_settings(), fetch=False if args.no_fetch else None,
                    record_batch=BATCH_RECORDS if args.batch else 1)
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
    request = CheckRequest(args.url, args.caption, args.model, args.workflow, fetch=app.services.fetch)

    async def one():  # type: ignore[no-untyped-def]
        try:
            return await app.checks.check(request, actor)
        finally:
            await app.aclose()

    try:
        result = asyncio.run(one())
    except INPUT_ERRORS as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(render_check(result))
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
    if not isinstance(obj, dict):
        return 'each line must be a JSON object like {"url": "..."}'
    unknown = set(obj) - {"url", "caption", "model", "workflow"}
    if unknown:
        return f"unknown field(s): {', '.join(sorted(unknown))[:100]}"
    for key in ("url", "caption", "model", "workflow"):
        if key in obj and obj[key] is not None and not isinstance(obj[key], str):
            return f'"{key}" must be a string'
    if not obj.get("url"):
        return 'the line has no "url"'
    if obj.get("workflow") and obj["workflow"] not in WORKFLOW_CHOICES:
        return f'"workflow" must be one of {", ".join(WORKFLOW_CHOICES)}'
    return obj


def _batch(app: Any, args: argparse.Namespace) -> int:
    import asyncio

    from bot.config import CONSOLE_COMMUNITY
    from bot.ports import Actor
    from bot.service import INPUT_ERRORS, CheckRequest

    actor = Actor(CONSOLE_COMMUNITY, "cli")
    progress = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(desc="checking", unit="clip", file=sys.stderr)

    async def one(number: int, item: dict[str, Any] | str) -> dict[str, Any] | tuple[int, Any]:
        if isinstance(item, str):
            return {"line": number, "error": item}
        request = CheckRequest(
            item["url"], item.get("caption") or args.caption, item.get("model") or args.model,
            item.get("workflow") or args.workflow, fetch=app.services.fetch,
        )
        try:
            return (number, await app.checks.check(request, actor))
        except INPUT_ERRORS as exc:
            return {"line": number, "error": str(exc)}
        except Exception as exc:  # noqa: BLE001 - one bad line must not stop the batch
            log.exception("batch line %s failed", number)
            return {"line": number, "error": f"internal error ({type(exc).__name__})"}

    def emit(out: dict[str, Any] | tuple[int, Any]) -> None:
        if isinstance(out, dict):
            line = json.dumps(out, ensure_ascii=False) if args.json else f"line {out['line']}: error: {out['error']}"
        else:
            number, result = out
            if args.json:
                line = json.dumps(result.to_json(), ensure_ascii=False)
            else:
                line = f"line {number}: {result.level.label} {result.clip.canonical_url} {result.summary}"
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
            # lines are printed only once their checks are committed, so what was printed was stored
            await app.checks.flush()
            for out in done:
                emit(out)
            done.clear()

        try:
            for number, item in _read_batch(args.batch):
                window.append(asyncio.create_task(limited(number, item)))
                if len(window) >= BATCH_CONCURRENCY * 4:
                    done.append(await window.pop(0))
                    if len(done) >= BATCH_RECORDS:
                        await stored()
            for task in window:
                done.append(await task)
            await stored()
        finally:
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


def _chat(args: argparse.Namespace) -> int:
    from adapters.console import console_requester, run_console
    from adapters.wiring import build_app

    settings = _settings()
    if args.command == "run" and (settings.discord_token or settings.slack_bot_token):
        print("yuntai: Discord and Slack adapters are not in this version yet; starting the console.",
              file=sys.stderr)
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
        except (SeedError, OSError) as exc:
            raise UsageError(f"can't import: {exc}") from None
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
                raise UsageError(str(exc)) from None
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
