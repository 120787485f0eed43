"""Form fields for dates and times, and the reading of ids from addresses, that every page
shares.

Python, PostgreSQL and SQLite each stop at a different end of the calendar, and a date near
one of them overflows as soon as code adds a day or moves it to UTC. PostgreSQL also refuses
UTC offsets beyond ±15:59, which an ISO date and time may carry (``10:00-23:15``). These fields
accept only the years ``EARLIEST_YEAR`` to ``LATEST_YEAR`` (far from every limit, wide enough
for any statement or session) and turn a date and time typed with any offset into the same
moment in the site's time zone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
