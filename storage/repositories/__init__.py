"""Small repositories, one per kind of row; a unit of work hands them one shared session."""

from storage.repositories.checks import CheckRepository
from storage.repositories.curation import CurationRepository
from storage.repositories.digests import DigestRepository
from storage.repositories.knowledge import ImportReport, KnowledgeRepository
from storage.repositories.metadata import MetadataRepository
from storage.repositories.settings import SettingsRepository
from storage.repositories.slack_events import SlackEventRepository

__all__ = [
    "CheckRepository", "CurationRepository", "DigestRepository", "ImportReport", "KnowledgeRepository",
    "MetadataRepository", "SettingsRepository", "SlackEventRepository",
]
