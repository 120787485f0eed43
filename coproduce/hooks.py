"""Typed hooks: how a lower app lets the apps above it take part, without ever naming them.

A lower app declares its hooks in its own ``hooks.py`` and runs them at the moment it names
("community created", "membership activated"); a higher app registers a plain function from its
``AppConfig.ready()``. Receivers run in the order they registered (``INSTALLED_APPS`` order),
inside the caller's transaction. No signals, nothing found by name: grep for ``.register(``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

Subject = TypeVar("Subject")
Answer = TypeVar("Answer")


class Hook(Generic[Subject, Answer]):
    """A named list of receivers, each called with the hook's one subject.

    ``Hook[Community, None]`` announces something; ``Hook[Membership, Mapping[str, object]]``
    asks the apps above for their part of an answer, and ``run`` returns every answer.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Callable[[Subject], Answer]] = []

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._receivers)} receivers>"

    def register(self, receiver: Callable[[Subject], Answer]) -> Callable[[Subject], Answer]:
        """Add a receiver; registering the same function again changes nothing."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def run(self, subject: Subject) -> list[Answer]:
        """Call every receiver with ``subject``, in registration order; return their answers."""
        return [receiver(subject) for receiver in self._receivers]
