"""Whose transaction a service runs in, said on its def line.

A public service opens its own: ``@transaction.atomic(durable=True)``, which Django refuses to
nest inside another atomic block, so an accidental outer ``atomic`` fails instead of quietly
making the service part of a bigger transaction. A piece that must join its caller's transaction
(another app's service recording its rows and a transfer together, the demo builder, a hook's
receiver) is a separate function named ``<service>_within`` and decorated
``@requires_transaction``: it refuses to run when no transaction is open. Nothing chooses at run
time, and nothing reaches past a decorator for the undecorated function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")


class TransactionRequired(RuntimeError):
    """A ``_within`` function was called with no transaction open."""


def requires_transaction(piece: Callable[P, R]) -> Callable[P, R]:
    """Make ``piece`` refuse to run outside a transaction (``transaction.atomic``)."""
    name = piece.__name__

    def within(*args: P.args, **kwargs: P.kwargs) -> R:
        if not transaction.get_connection().in_atomic_block:
            raise TransactionRequired(
                f"{name} joins its caller's transaction, and none is open: call it inside "
                f"transaction.atomic(), or call the service that opens its own."
            )
        return piece(*args, **kwargs)

    # Named and documented as the piece, with no way back to the undecorated function, so that
    # nothing steps around the check.
    within.__name__ = name
    within.__qualname__ = piece.__qualname__
    within.__doc__ = piece.__doc__
    within.__module__ = piece.__module__
    return within
