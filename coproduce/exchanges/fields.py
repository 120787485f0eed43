"""A form field for lengths of time, reusable by any app: "1:30", "1.5 hours", "90 minutes"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from coproduce.ledger.templatetags.ledger import minutes_display

_CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)$")
_HOURS_AND_MINUTES = re.compile(
    r"^(?:(\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hour|hours|awr|awr\.|oriau))?\s*"
    r"(?:(\d+)\s*(?:m|min|mins|minute|minutes|munud))?$"
)
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")


def parse_duration(text: str) -> int:
    """Whole minutes from what people type: "1:30", "1.5", "1.5 hours", "1 hour 30 minutes",
    "90 min", "2h". A bare number is hours. Raises ValidationError when it can't be read."""
    value = " ".join(text.strip().lower().split())
    if not value:
        raise ValidationError(_("Say how long, like 1:30 or 1.5 hours."), code="required")
    clock = _CLOCK.match(value)
    if clock:
        return int(clock[1]) * 60 + int(clock[2])
    try:
        if _NUMBER.match(value):
            hours = Decimal(value.replace(",", "."))
            return int((hours * 60).to_integral_value())
        match = _HOURS_AND_MINUTES.match(value.replace(" and ", " "))
        if match and (match[1] or match[2]):
            hours = Decimal((match[1] or "0").replace(",", "."))
            return int((hours * 60).to_integral_value()) + int(match[2] or 0)
    except InvalidOperation:
        pass
    raise ValidationError(_("Write the time like 1:30, 1.5 hours or 90 minutes."), code="invalid")


class DurationMinutesField(forms.Field):
    """Typed as hours and minutes in any common way, cleaned to whole minutes (an int)."""

    default_error_messages = {
        "min_value": _("The time must be at least %(limit)s."),
        "max_value": _("The time can't be more than %(limit)s."),
    }

    def __init__(
        self, *, min_minutes: int = 1, max_minutes: int | None = None, **kwargs: Any
    ) -> None:
        self.min_minutes = min_minutes
        self.max_minutes = max_minutes
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"size": 10, "maxlength": 30, "inputmode": "text"})
        )
        kwargs.setdefault("help_text", _("For example 1:30, 1.5 hours or 45 minutes."))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return minutes_display(value)
        return value

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 30:
            raise ValidationError(_("That is too long for a time."), code="max_length")
        return parse_duration(text)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        if value < self.min_minutes:
            raise ValidationError(
                self.error_messages["min_value"],
                code="min_value",
                params={"limit": minutes_display(self.min_minutes)},
            )
        if self.max_minutes is not None and value > self.max_minutes:
            raise ValidationError(
                self.error_messages["max_value"],
                code="max_value",
                params={"limit": minutes_display(self.max_minutes)},
            )
