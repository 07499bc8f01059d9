"""The storage tests' shared fixture: every behaviour is checked on SQLite and on the local Postgres."""

from __future__ import annotations

import pytest

from storage.bootstrap import Storage
from storage.db import make_engine


@pytest.fixture(params=["sqlite", "postgres"])
def storage(request):
    """Migrated, holding the tiny knowledge base: a copy of a template built once per test process."""
    url = request.getfixturevalue("tiny_db_url" if request.param == "sqlite" else "tiny_postgres_url")
    st = Storage.on(make_engine(url), version_check_interval=0.0)
    yield st
    st.close()
