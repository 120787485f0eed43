"""Form fields every page shares: lengths of time, dates and times, rows chosen by id, the
reading of ids from addresses, and the form that carries an idempotency key.

Python, PostgreSQL and SQLite each stop at a different end of the calendar, and a date near
one of them overflows as soon as code adds a day or moves it to UTC. PostgreSQL also refuses
UTC offsets beyond ±15:59, which an ISO date and time may carry (``10:00-23:15``). These fields
accept only the years ``EARLIEST_YEAR`` to ``LATEST_YEAR`` (far from every limit, wide enough
for any statement or session) and turn a date and time typed with any offset into the same
moment in the site's time zone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.edge.units import (
    LONGEST_TEXT,
    MINUTES_BOUND,
    minutes_display,
    minutes_refusal,
    parse_duration,
)

EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
_BIGGEST_ID = 2**63 - 1  # PostgreSQL's bigint

_OUT_OF_RANGE = _("Choose a date from the year %(earliest)s to the year %(latest)s.")


def _check_year(value: date) -> None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            _OUT_OF_RANGE,
            code="out_of_range",
            params={"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )


class BoundedDateField(forms.DateField):
    """A date from 1 January 1900 to 31 December 2200."""

    def to_python(self, value: Any) -> date | None:
        day = super().to_python(value)
        if day is not None:
            _check_year(day)
        return day

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", "") == "date":
            attrs.setdefault("min", f"{EARLIEST_YEAR}-01-01")
            attrs.setdefault("max", f"{LATEST_YEAR}-12-31")
        return attrs


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time from 1900 to 2200, as a moment in the site's time zone whatever offset
    it was typed with."""

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        # The year as typed, before any conversion: inside the range no conversion overflows.
        _check_year(moment)
        return timezone.localtime(moment)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", "") == "datetime-local":
            attrs.setdefault("min", f"{EARLIEST_YEAR}-01-01T00:00")
            attrs.setdefault("max", f"{LATEST_YEAR}-12-31T23:59")
        return attrs


class RowsChoiceField(forms.ModelMultipleChoiceField):
    """Several rows chosen by id, each id checked before the database sees it: SQLite can't
    compare with an integer past 64 bits (Django guards single ids, not lists of them)."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple) and (self.to_field_name or "pk") == "pk":
            for pk in value:
                if row_id(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super().clean(value)


def row_id(value: object) -> int | None:
    """The id in an address or a hidden field (``?for=12``), or None when it can't be one.

    Only the digits 0-9 count (``str.isdigit`` also accepts "²", which ``int`` can't read), and
    only up to the biggest id PostgreSQL holds (``int`` refuses more than 4,300 digits)."""
    text = value if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(_BIGGEST_ID))):
        return None
    number = int(text)
    return number if number <= _BIGGEST_ID else None


class DurationField(forms.Field):
    """A length of time typed in any common way ("1:30", "1.5", "90 min", "1 awr 30 munud"; see
    ``edge.units.parse_duration``), cleaned to whole minutes.

    ``least`` and ``most`` bound it (None: no bound). ``most`` may be a function, read when the
    form is checked, for a bound that comes from a setting. The API checks its minutes with
    the same ``minutes_refusal``, so a page and an API call refuse the same amounts in the same
    words.
    """

    def __init__(
        self,
        *,
        least: int | None = 1,
        most: int | Callable[[], int] | None = MINUTES_BOUND,
        **kwargs: Any,
    ) -> None:
        self.least = least
        self.most = most
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 10, "maxlength": LONGEST_TEXT}))
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
        return parse_duration(text)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        most = self.most() if callable(self.most) else self.most
        refusal = minutes_refusal(value, least=self.least, most=most)
        if refusal is not None:
            raise refusal


class IdempotentForm(forms.Form):
    """Carries a fresh key in a hidden field, so a double click or a retry never does the same
    thing twice: the services answer a key they have seen with what they did the first time."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
