"""The storage tests' shared fixture: every behaviour is checked on SQLite and on the local Postgres."""

from __future__ import annotations

import pytest

from storage.bootstrap import Storage
from storage.db import make_engine, upgrade
from tests.conftest import make_tiny_kb


@pytest.fixture(params=["sqlite", "postgres"])
def storage(request, sqlite_url):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    upgrade(engine)
    st = Storage.on(engine, version_check_interval=0.0)
    st.knowledge.import_knowledge(make_tiny_kb())
    yield st
    st.close()
