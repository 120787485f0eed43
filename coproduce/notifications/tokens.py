"""Signed one-click unsubscribe tokens: a membership and a topic, signed with SECRET_KEY.

The token has no expiry: a link in an email from last year must still stop the emails. It
holds only two numbers-and-words, so it says nothing to someone who has not got the email.
"""

from __future__ import annotations

from django.core import signing

SALT = "coproduce.notifications.unsubscribe"


def unsubscribe_token_make(*, membership_id: int, topic: str) -> str:
    return signing.Signer(salt=SALT).sign_object([membership_id, topic])


def unsubscribe_token_read(token: str) -> tuple[int, str] | None:
    """The membership id and topic a token was made for, or None if it was changed or cut."""
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not isinstance(value[1], str)
    ):
        return None
    return value[0], value[1]
