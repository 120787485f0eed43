"""Writes for API tokens."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.api.models import ApiToken, token_generate, token_hash
from coproduce.people.models import User


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    raw: str


@transaction.atomic(durable=True)
def api_token_create(*, user: User, name: str) -> NewToken:
    raw = token_generate()
    token = ApiToken(user=user, name=name, key_hash=token_hash(raw), hint=raw[:10])
    token.full_clean()
    token.save()
    return NewToken(token=token, raw=raw)


@transaction.atomic(durable=True)
def api_token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    if token.user_id != user.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
