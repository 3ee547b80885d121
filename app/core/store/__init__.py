"""Steward's encrypted store (SQLCipher + sqlite-utils)."""

from app.core.store.database import Database, open_database
from app.core.store.models import Conversation, Message, SearchHit

__all__ = ["Conversation", "Database", "Message", "SearchHit", "open_database"]
