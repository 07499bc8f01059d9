"""Defaults of the SQLModel tables: every row gets its own empty JSON list or dict, from a plain function."""

from __future__ import annotations

import inspect

from sqlmodel import SQLModel

import storage.llm_tables  # noqa: F401 - registers its tables in SQLModel's metadata
import storage.tables
from storage.tables import KbCapability, KbChange, KbClaim, KbModel


def table_classes() -> list[type[SQLModel]]:
    seen, todo = [], list(SQLModel.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if getattr(cls, "__table__", None) is not None and cls.__module__.startswith("storage."):
            seen.append(cls)
    return seen


def test_no_table_field_uses_a_builtin_type_as_its_default_factory():
    """pydantic inspects a default factory's signature on every row it builds: slow for a builtin type."""
    classes = table_classes()
    assert {KbModel, KbCapability, KbClaim, KbChange} <= set(classes)
    factories = {(cls.__name__, name): info.default_factory for cls in classes
                 for name, info in cls.model_fields.items() if info.default_factory is not None}
    assert ("KbClaim", "sources") in factories and ("KbModel", "sites") in factories
    builtin = {key: f for key, f in factories.items() if inspect.isclass(f) or inspect.isbuiltin(f)}
    assert builtin == {}


def test_each_row_gets_its_own_empty_list_and_dict():
    one, two = KbClaim(model_id="m", capability_id="c", rating="strength"), KbClaim(
        model_id="m", capability_id="c", rating="strength")
    one.sources.append({"url": "https://example.org/a"})
    assert two.sources == [] and type(two.sources) is list
    first, second = KbModel(id="a", name="A"), KbModel(id="b", name="B")
    first.sites.append("a.example")
    assert second.sites == [] and second.hashtags == [] and first.hashtags is not first.sites
    assert storage.tables.empty_dict() == {} and storage.tables.empty_dict() is not storage.tables.empty_dict()
