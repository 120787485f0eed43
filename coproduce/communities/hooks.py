"""Hooks that apps above communities register in their ``AppConfig.ready()``, so that the
communities app can tell them something happened without naming them (STYLE.md, "How apps fit
together"). Receivers run inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable

from coproduce.people.models import Profile

ProfileChanged = Callable[[Profile, frozenset[str]], None]

_profile_changed: list[ProfileChanged] = []


def on_profile_changed(receiver: ProfileChanged) -> None:
    """Call ``receiver(profile, changed_fields)`` after a profile is saved. Registering the
    same receiver twice is harmless."""
    if receiver not in _profile_changed:
        _profile_changed.append(receiver)


def profile_changed(profile: Profile, changed: frozenset[str]) -> None:
    for receiver in _profile_changed:
        receiver(profile, changed)
