"""Lengths of time as people write them and as pages show them: whole minutes in, whole minutes
out, in English and Welsh.

Storage and the API keep time in whole minutes (DESIGN §2, "Units"); pages show ``1:30``,
``−10:00`` or "3 hours 15 minutes", and read whatever people type: ``1:30``, ``1.5``, ``90m``,
``1h 30m``, ``1 hour 30``, ``1 awr 30 munud``. Every form and the API check the range with
``minutes_refusal``, so a page and an API call refuse the same amounts in the same words.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

MINUS = "\u2212"
# The most minutes any limit or any one transfer may be: a million hours. The ledger's check
# constraints hold it (coproduce.ledger.models.MINUTES_BOUND is this number).
MINUTES_BOUND = 60_000_000
# Longer than anyone writes a time; stops a page reading a pasted essay.
LONGEST_TEXT = 40

UNREADABLE = gettext_lazy("Write the time like 1:30 or 1 hour 30 minutes.")

_HOUR_WORDS = r"(?:hours|hour|hrs|hr|h|oriau|awr)"
_MINUTE_WORDS = r"(?:minutes|minute|mins|min|m|munudau|munud|funud|mun)"
# Hours may have a fraction: "1.5" or, as many people write it, "1,5" (one or two digits after a
# comma only: "1,500" is a thousand and five hundred to some and one and a half to others).
_HOURS = r"[0-9]{1,7}(?:\.[0-9]{1,6}|,[0-9]{1,2})?"
_CLOCK = re.compile(rf"([0-9]{{1,7}}):([0-5][0-9])(?:\s*{_HOUR_WORDS}\.?)?", re.ASCII)
_NUMBER = re.compile(_HOURS, re.ASCII)
_WORDS = re.compile(
    rf"(?:(?P<hours>{_HOURS})\s*{_HOUR_WORDS}\.?)?\s*"
    rf"(?:(?P<minutes>[0-9]{{1,9}})\s*(?P<unit>{_MINUTE_WORDS}\.?)?)?",
    re.ASCII,
)
# "1 hour and 30 minutes", "1 awr a 30 munud", "1 hour, 30 minutes".
_JOINERS = re.compile(r"(?:\s+(?:and|ac|a|&)\s+|,\s+)", re.ASCII)


def minutes_display(minutes: int | None) -> str:
    """Whole minutes as H:MM with a real minus sign: 90 → "1:30", −600 → "−10:00".

    None (no limit) shows as an empty string; pages say "no limit" in words.
    """
    if minutes is None:
        return ""
    sign = MINUS if minutes < 0 else ""
    hours, rest = divmod(abs(int(minutes)), 60)
    return f"{sign}{hours}:{rest:02d}"


def minutes_signed(minutes: int | None) -> str:
    """Like minutes_display but always with a sign, for credits in and out: +1:30, −0:45."""
    if minutes is None:
        return ""
    return ("+" if minutes > 0 else "") + minutes_display(minutes)


def minutes_in_words(minutes: int) -> str:
    """Whole minutes in words, in the active language: "3 hours 15 minutes", "3 awr 15 munud",
    "1 hour", "45 minutes", "−2 hours"."""
    sign = MINUS if minutes < 0 else ""
    hours, rest = divmod(abs(int(minutes)), 60)
    hours_text = ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    minutes_text = ngettext("%(count)d minute", "%(count)d minutes", rest) % {"count": rest}
    if not hours:
        return sign + minutes_text
    if not rest:
        return sign + hours_text
    # Translators: a length of time, like "3 hours 15 minutes".
    return sign + _("%(hours)s %(minutes)s") % {"hours": hours_text, "minutes": minutes_text}


def parse_duration(text: str) -> int:
    """Whole minutes from what people type. A bare number is hours.

    Reads ``1:30``, ``1.5``, ``1,5``, ``90m``, ``90 min``, ``1h 30m``, ``1h30``, ``1 hour 30``,
    ``1 hour and 30 minutes``, ``2 hours``, ``45 minutes``, and in Welsh ``1 awr 30 munud``,
    ``90 munud``, ``2 awr``; a leading minus (``-`` or ``−``) makes it negative, for limits.
    Fractions of a minute round to the nearest minute. Raises ValidationError with one message
    that says how to write a time when it can't read one; whether the amount is allowed is for
    ``minutes_refusal``.
    """
    value = " ".join(str(text).lower().split())
    if not value or len(value) > LONGEST_TEXT:
        raise ValidationError(UNREADABLE, code="invalid")
    value = value.replace(MINUS, "-").replace("\u2013", "-")
    negative = value.startswith("-")
    value = _JOINERS.sub(" ", value.removeprefix("-").strip())
    minutes = _read(value)
    if minutes is None:
        raise ValidationError(UNREADABLE, code="invalid")
    return -minutes if negative else minutes


def _read(value: str) -> int | None:
    if clock := _CLOCK.fullmatch(value):
        return int(clock[1]) * 60 + int(clock[2])
    if _NUMBER.fullmatch(value):
        return _hours(value)
    words = _WORDS.fullmatch(value)
    if words is None or not (words["hours"] or words["minutes"]):
        return None
    if words["minutes"] and not words["unit"] and not words["hours"]:
        return None  # a bare number is caught above; this is something like "90 xyz"
    return _hours(words["hours"] or "0") + int(words["minutes"] or 0)


def _hours(text: str) -> int:
    minutes = Decimal(text.replace(",", ".")) * 60
    return int(minutes.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def minutes_refusal(minutes: int, *, least: int | None, most: int | None) -> ValidationError | None:
    """Why ``minutes`` is not allowed between ``least`` and ``most`` (None: no bound), in the
    words pages and the API both use; None when it is allowed."""
    if least is not None and minutes < least:
        return ValidationError(
            gettext_lazy("The time must be at least %(limit)s."),
            code="min_value",
            params={"limit": minutes_display(least)},
        )
    if most is not None and minutes > most:
        return ValidationError(
            gettext_lazy("The time can't be more than %(limit)s."),
            code="max_value",
            params={"limit": minutes_display(most)},
        )
    return None
