"""The Postgres templates the workers of a pytest-xdist run share (tests/helpers/seeded_db.py).

One of each kind for the whole run: the first worker to need it builds it under a lock, the others wait
and copy the same one, and only the controller drops it, at the end.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from helpers import seeded_db, zygote


def exists(server_url: str, name: str) -> bool:
    with psycopg.connect(server_url, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def tables(server_url: str, name: str) -> set[str]:
    with psycopg.connect(f"{server_url.rsplit('/', 1)[0]}/{name}", autocommit=True) as conn:
        return {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_workers_asking_at_once_get_one_template_and_the_controller_drops_it(postgres_server_url, tmp_path,
                                                                             monkeypatch):
    built: list[str] = []
    real = seeded_db._new_postgres_template

    def building(kind: str, admin_url: str) -> str:
        built.append(kind)
        return real(kind, admin_url)

    monkeypatch.setattr(seeded_db, "_new_postgres_template", building)
    ask = lambda _: seeded_db._shared_postgres_template(tmp_path, "migrated", postgres_server_url)  # noqa: E731
    with ThreadPoolExecutor(4) as workers:  # each opens the lock file itself, as separate processes do
        names = list(workers.map(ask, range(4)))
    try:
        assert len(set(names)) == 1 and built == ["migrated"]
        assert {"alembic_version", "kb_claim", "check_record"} <= tables(postgres_server_url, names[0])
        [record] = tmp_path.glob("postgres-migrated-*.json")
        assert json.loads(record.read_text())["name"] == names[0]
    finally:
        seeded_db.drop_shared_postgres_templates(str(tmp_path))
    assert not exists(postgres_server_url, names[0])


def test_a_worker_ending_leaves_the_shared_templates_to_the_controller(postgres_server_url, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setattr(zygote, "_shared", {"socket": str(tmp_path / "socket"), "folder": str(tmp_path),
                                            "pid": os.getpid()})
    monkeypatch.setattr(seeded_db, "_postgres", {})
    monkeypatch.setattr(seeded_db, "_admin_urls", {})
    monkeypatch.setattr(seeded_db, "fresh", lambda: False)
    name = seeded_db.postgres_template("migrated", postgres_server_url)  # as a worker of the run asks for it
    try:
        assert [p.name for p in tmp_path.glob("postgres-migrated-*.json")] != []
        seeded_db.drop_postgres_templates()  # the worker's session ends
        assert exists(postgres_server_url, name)  # other workers may still copy it
    finally:
        seeded_db.drop_shared_postgres_templates(str(tmp_path))
    assert not exists(postgres_server_url, name)


def test_each_server_url_has_its_own_record_so_none_is_left_behind(postgres_server_url, tmp_path):
    other = postgres_server_url.replace("127.0.0.1", "localhost")
    assume = pytest.importorskip("socket").gethostbyname("localhost") == "127.0.0.1"
    if other == postgres_server_url or not assume:
        pytest.skip("needs the server under a second name")
    names = [seeded_db._shared_postgres_template(tmp_path, "migrated", url) for url in (postgres_server_url, other)]
    try:
        assert names[0] != names[1] and len(list(tmp_path.glob("postgres-migrated-*.json"))) == 2
    finally:
        seeded_db.drop_shared_postgres_templates(str(tmp_path))
    assert not exists(postgres_server_url, names[0]) and not exists(postgres_server_url, names[1])


def test_an_interrupted_build_leaves_no_database(postgres_server_url, monkeypatch):
    created: list[str] = []
    real = seeded_db.create_from

    def creating(conn, name: str, template: str | None) -> None:  # type: ignore[no-untyped-def]
        created.append(name)
        real(conn, name, template)

    def interrupted(kind: str, url: str) -> None:
        assert exists(postgres_server_url, created[-1])
        raise KeyboardInterrupt

    monkeypatch.setattr(seeded_db, "create_from", creating)
    monkeypatch.setattr(seeded_db, "build", interrupted)
    with pytest.raises(KeyboardInterrupt):
        seeded_db._new_postgres_template("migrated", postgres_server_url)
    assert len(created) == 1 and not exists(postgres_server_url, created[0])


@pytest.mark.skipif(not os.environ.get("PYTEST_XDIST_WORKER"), reason="the workers of a pytest-xdist run")
def test_under_xdist_this_worker_copies_the_runs_template(postgres_server_url):
    if seeded_db.fresh():
        pytest.skip("YUNTAI_TEST_FRESH_DB=1: no templates")
    shared = zygote.shared_info()
    assert shared is not None, "the controller started no shared zygote, or it died"
    name = seeded_db.postgres_template("tiny", postgres_server_url)
    [record] = Path(shared["folder"]).glob("postgres-tiny-*.json")
    assert json.loads(record.read_text(encoding="utf-8"))["name"] == name
