"""Writes for people."""

from __future__ import annotations

from django.db import transaction

from coproduce.people.models import User


@transaction.atomic(durable=True)
def user_language_set(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])
