"""Writes for people."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction

from coproduce.people.models import User
from coproduce.transactions import requires_transaction


@transaction.atomic(durable=True)
def user_language_set(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


@transaction.atomic(durable=True)
def user_create(*, email: str, password: str, name: str = "") -> User:
    """An operator makes a login whose email address is already known to be theirs (people
    signing themselves up go through allauth, which checks the address first)."""
    return user_create_within(email=email, password=password, name=name)


@requires_transaction
def user_create_within(*, email: str, password: str, name: str = "") -> User:
    """``user_create`` in the caller's transaction (the demo builder)."""
    user = User.objects.create_user(email=email, password=password, name=name)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user
