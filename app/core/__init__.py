"""Steward's core: storage, secrets, models and the assistant. No Qt here."""
