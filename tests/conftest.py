"""Shared fixtures: a small hand-made knowledge base, in-memory ports, databases per test."""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest


def _keep_bytecode() -> None:
    """Let this run keep its compiled modules (the gitignored __pycache__ folders), as a plain Python run does.

    With PYTHONDONTWRITEBYTECODE set (some shells and sandboxes set it), every test process re-rewrote the
    asserts of all 90 test modules (about 4.5 of the 9 CPU-seconds each pytest-xdist worker spends
    collecting), and every `yuntai` subprocess and zygote recompiled the bot, storage and adapters
    modules. Nothing under test reads or writes bytecode, so caching it changes no behaviour. This runs
    before any test module is imported; the children of the run inherit the environment.
    """
    sys.dont_write_bytecode = False
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


_keep_bytecode()

from bot.knowledge import Capability, Claim, KnowledgeBase, Model, Source  # noqa: E402
from bot.ports import Actor, CachedMetadata  # noqa: E402

SRC = (Source("https://example.org/report", "2025-01-01", "test source"),)


def cap(id: str, parent: str | None, *terms: str, not_terms: tuple[str, ...] = (), implies: tuple[str, ...] = (),
        unless: tuple[str, ...] = ()) -> Capability:
    return Capability(id=id, name=id.replace("_", " "), parent=parent, terms=terms, not_terms=not_terms,
                      implies=implies, unless=unless)


def claim(model: str, capability: str, rating: str, derived_from: str = "") -> Claim:
    return Claim(model, capability, rating, note=f"{capability} is {rating}", sources=SRC,
                 derived_from=derived_from)


def make_tiny_kb() -> KnowledgeBase:
    caps = (
        cap("subjects", None),
        cap("people", "subjects", "person", "man", "men", "woman", "people", "girl"),
        cap("animals", "subjects", "cat", "dog"),
        cap("food", "subjects", "food", "noodles", "burger"),
        cap("plants", "subjects", "forest", "foliage", "tree"),
        cap("actions", None),
        cap("talking", "actions", "talk", "lip sync", "dialogue", not_terms=("talking point",)),
        cap("walking", "actions", "walk", "stroll", not_terms=("walk you through", "walkthrough")),
        cap("eating", "actions", "eat", "ate"),
        cap("hands", "actions", "hand", "finger", not_terms=("hands on", "hands down")),
        cap("sports", "actions", "sport", implies=("people",), unless=("animals",)),
        cap("basketball", "sports", "basketball", "dunk"),
        cap("hockey", "sports", "hockey"),
        cap("football", "sports", "soccer", "football"),
        cap("camera", None),
        cap("camera_motion", "camera", "drone shot"),
        cap("orbit", "camera_motion", "orbit"),
    )
    models = (
        Model("sora", "Sora", "OpenAI", aliases=("sora", "openai sora"), sites=("sora.com",),
              hashtags=("#sora",)),
        Model("sora-2", "Sora 2", "OpenAI", aliases=("sora 2", "sora2")),
        Model("kling-1", "Kling 1.x", "Kuaishou", aliases=("kling 1.6", "kling 1.5", "kling 1")),
        Model("kling-2", "Kling 2.x", "Kuaishou", aliases=("kling", "kling 2.1", "kling 2")),
        Model("runway-gen3", "Runway Gen-3", "Runway", aliases=("gen-3 alpha", "gen-3", "gen3")),
    )
    claims = (
        claim("sora", "plants", "strength"),
        claim("sora", "food", "strength"),
        claim("sora", "eating", "weakness"),
        claim("sora", "walking", "weakness"),
        claim("sora", "talking", "weakness"),
        claim("sora", "sports", "mixed"),
        claim("kling-2", "eating", "strength"),
        claim("kling-2", "people", "strength"),
        claim("kling-2", "hands", "mixed"),
        claim("kling-2", "hands", "weakness", derived_from="vbench2:Human_Anatomy"),
        claim("runway-gen3", "plants", "strength"),
    )
    return KnowledgeBase(models, caps, claims, version="tiny")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: one worker more than the cores this process may run on.

    A worker spends part of its time waiting (on a `yuntai` child, on Postgres, on a deadline a test sets),
    and with one worker per core those waits left a core idle: 20 of 115 core-seconds of `make test` on
    2 cores. A third worker fills them (2.5 idle core-seconds): 58.3 s became 54.1 s (medians of 5 and 7
    runs); a fourth only adds contention (60.1 s). PYTEST_XDIST_AUTO_NUM_WORKERS still sets the count.
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    return len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) + 1


def _hypothesis_profiles() -> None:
    """Example counts stay as each test sets them (default 100); what changes is timing under load.

    The suite runs on every core (pytest-xdist) next to subprocesses and Postgres, so a 200 ms per-example
    deadline or a "data generation too slow" health check would fail on a busy machine for reasons that are
    not the code's: neither is a behaviour under test here (speed lives in bench/). CI also keeps no
    example database (a fresh clone each run). HYPOTHESIS_PROFILE=thorough runs 1,000 examples where a test
    does not set its own count.
    """
    from hypothesis import HealthCheck, settings

    relaxed = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
    settings.register_profile("dev", **relaxed)
    settings.register_profile("ci", database=None, print_blob=True, **relaxed)
    settings.register_profile("thorough", max_examples=1000, **relaxed)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if postgres_required() else "dev"))


@pytest.fixture
def tiny_kb() -> KnowledgeBase:
    return make_tiny_kb()


@pytest.fixture
def actor() -> Actor:
    return Actor("console:local", "tester")


class FixedKnowledge:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def knowledge_base(self, community_id: str) -> KnowledgeBase:
        return self.kb


class MemoryCache:
    def __init__(self) -> None:
        self.rows: dict[str, CachedMetadata] = {}

    def cached_metadata(self, canonical_url: str, max_age: timedelta) -> CachedMetadata | None:
        return self.rows.get(canonical_url)

    def save_metadata(self, canonical_url: str, metadata: CachedMetadata, source: str | None) -> None:
        self.rows[canonical_url] = metadata


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'yuntai.db'}"


PG_URL = os.environ.get("YUNTAI_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_required() -> bool:
    """Under CI (CI=true, as `.ci/run` sets) a missing Postgres fails the run instead of skipping half of it."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _postgres_admin():  # noqa: ANN202 - an SQLAlchemy Engine, imported lazily
    """An AUTOCOMMIT engine on the local Postgres once it answers; skipped where none does, a failure under CI."""
    from sqlalchemy import create_engine

    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        message = f"no Postgres at {PG_URL}: {type(exc).__name__}"
        if postgres_required():
            pytest.fail(f"{message} (CI=true: the storage suite must run on Postgres too)", pytrace=False)
        pytest.skip(message)
    return admin


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The local Postgres's URL (YUNTAI_TEST_POSTGRES), for tests that make databases of their own."""
    _postgres_admin().dispose()
    return PG_URL


def _throwaway_postgres(kind: str | None) -> Iterator[str]:
    """A throw-away database on the local Postgres (a copy of a `kind` template, or empty); dropped after."""
    admin_url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"yuntai_test_{uuid.uuid4().hex[:10]}"
    admin = _postgres_admin()

    from helpers.postgres_pool import POOL

    base = PG_URL.rsplit("/", 1)[0]
    pooled = kind or "empty"
    reused = POOL.take(pooled)
    kept = reused is not None  # a copy from the pool, or one made from a template (or empty): put back after
    try:
        from helpers.seeded_db import build, create_from, fresh, postgres_template

        if reused is not None:
            name = reused
        else:
            template = None if kind is None else postgres_template(kind, PG_URL)
            with admin.connect() as conn:
                create_from(conn, name, template)
            if kind is not None and template is None:
                build(kind, f"{base}/{name}")
            if not fresh():
                POOL.remember(pooled, f"{base}/{name}", wipe=kind is None)
                kept = True
        yield f"{base}/{name}"
    finally:
        admin.dispose()
        leftover = POOL.give_back(pooled, name, base, PG_URL) if kept else name
        if leftover is not None:
            _drop_in_background(admin_url, leftover)


_dropper = None


def _drop_in_background(admin_url: str, name: str) -> None:
    """DROP DATABASE takes 0.1-1 s here (files unlinked, fsync); the next test need not wait for it.

    Four threads per test process drop; at exit they finish the queue before the templates go. With one
    thread the queue fell behind (each DROP waits for a checkpoint) and the session's end waited about 3 s
    for it; concurrent drops share their checkpoints.
    """
    global _dropper
    if _dropper is None:
        import atexit
        from concurrent.futures import ThreadPoolExecutor

        _dropper = ThreadPoolExecutor(4, thread_name_prefix="postgres-drop")
        atexit.register(_dropper.shutdown, wait=True)
    _dropper.submit(_drop, admin_url, name)


def finish_drops() -> None:
    """Wait for the queued drops (the end of the test session)."""
    global _dropper
    if _dropper is not None:
        _dropper.shutdown(wait=True)
        _dropper = None


def _drop(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn, contextlib.suppress(Exception):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # type: ignore[no-untyped-def]
    """pytest-xdist's controller, as it starts each worker: one zygote and one set of SQLite templates for all.

    The zygote process starts with the first worker but loads (imports, templates) only when a worker's
    test first needs it, so a run of tests that never do pays for a bare process start.
    """
    from helpers import zygote

    node.workerinput["yuntai_zygote"] = zygote.start_shared()


def pytest_configure(config: pytest.Config) -> None:
    shared = getattr(config, "workerinput", {}).get("yuntai_zygote")
    if shared:  # a pytest-xdist worker: its controller started the zygote (pytest_configure_node)
        from helpers import zygote

        zygote.use_shared(shared)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Clean up this test process inside the session, not in atexit handlers.

    pytest-xdist kills a worker that has not exited 10 s after its last test, and its atexit handlers then
    never run: queued Postgres drops and the process's templates were left on the server (86 databases
    after a few runs here), and the zygote's processes were orphaned, so their CPU time escaped `time`.
    """
    zygote = sys.modules.get("helpers.zygote")
    if zygote is not None:
        shared = zygote.owned_shared_folder()
        if shared is not None:  # pytest-xdist's controller: the workers are done with the shared templates
            from helpers.seeded_db import drop_shared_postgres_templates

            drop_shared_postgres_templates(shared)
        zygote.shutdown()
    pool = sys.modules.get("helpers.postgres_pool")
    if pool is not None:  # the copies kept for reuse
        for name in pool.POOL.drain():
            _drop_in_background(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), name)
    finish_drops()
    other = sys.modules.get("tests.conftest")  # this file imported again by a test: a dropper of its own
    if other is not None and other.finish_drops is not finish_drops:
        other.finish_drops()
    seeded_db = sys.modules.get("helpers.seeded_db")
    if seeded_db is not None:
        seeded_db.drop_postgres_templates()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty throw-away database on the local Postgres; skipped where none runs, a failure under CI."""
    yield from _throwaway_postgres(None)


@pytest.fixture
def seeded_postgres_url() -> Iterator[str]:
    """A migrated, seeded Postgres database for this test: a copy of a template built once per process."""
    yield from _throwaway_postgres("seeded")


@pytest.fixture
def tiny_postgres_url() -> Iterator[str]:
    """A migrated Postgres database holding the tiny knowledge base (a template copy)."""
    yield from _throwaway_postgres("tiny")


@pytest.fixture
def migrated_postgres_url() -> Iterator[str]:
    """A migrated Postgres database with no knowledge (a template copy)."""
    yield from _throwaway_postgres("migrated")


@pytest.fixture
def seeded_db_url(tmp_path) -> str:
    """A migrated, seeded SQLite database for this test: a copy of one built once per process.

    Tests that run `yuntai` as a subprocess call `helpers.seeded_db.seeded_copy` with their own path instead.
    """
    from helpers.seeded_db import seeded_copy

    return seeded_copy(tmp_path / "yuntai.db")


@pytest.fixture
def tiny_db_url(tmp_path) -> str:
    """A migrated SQLite database holding the tiny knowledge base (a template copy)."""
    from helpers.seeded_db import sqlite_copy

    return sqlite_copy("tiny", tmp_path / "yuntai.db")


@pytest.fixture
def migrated_db_url(tmp_path) -> str:
    """A migrated SQLite database with no knowledge (a template copy)."""
    from helpers.seeded_db import sqlite_copy

    return sqlite_copy("migrated", tmp_path / "yuntai.db")


_hypothesis_profiles()
