"""Strict, bounded input types shared by every router, and the JSON-only body parser.

What a caller sends is checked here, before it reaches a selector or the database: whole
numbers that are numbers (not `true`, not "5") and fit in 64 bits, times with a UTC offset a
real place uses in years that convert to UTC without overflowing, pages that stay inside 64
bits, and bodies that are JSON objects without NUL characters (no database stores those).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Annotated, Any, ClassVar, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.parser import Parser
from pydantic import AfterValidator, Strict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from coproduce.api.errors import ApiError, nul_refusal

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
PAGE_SIZE_MAX = 100
# Real UTC offsets run from -12:00 to +14:00; PostgreSQL refuses anything from ±16:00.
UTC_OFFSET_MAX = timedelta(hours=14)
# Years a person can mean. Inside them every time converts to UTC, and a day or two either
# side of a date, without leaving the years Python and the databases can hold.
YEAR_MIN = 1900
YEAR_MAX = 2999

# A whole number in a JSON body: `true`, "5" and 5.0 are refused, as is anything past 64 bits.
BodyInt = Annotated[int, Strict(), Field(ge=INT64_MIN, le=INT64_MAX)]
# true or false in a JSON body; "yes", 1 and "true" are refused.
BodyBool = Annotated[bool, Strict()]
# A whole number in a path or a query string (text there by nature), inside 64 bits.
ParamInt = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
Limit = Annotated[int, Field(ge=1, le=PAGE_SIZE_MAX, description="How many, 1 to 100.")]
Offset = Annotated[int, Field(ge=0, le=INT64_MAX, description="How many to skip.")]


def IntQuery(default: int | None = None) -> Any:
    """A ParamInt query parameter for a view under @paginate, given as its default.

    django-ninja's @paginate resolves string annotations (``from __future__ import
    annotations``) in its own module, where ParamInt does not exist; the bounds then go here:
    ``account: int | None = IntQuery()``.
    """
    return Query(default, ge=INT64_MIN, le=INT64_MAX)


def _year_in_range(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise PydanticCustomError(
            "year_out_of_range",
            _("Give a year from %(first)d to %(last)d.") % {"first": YEAR_MIN, "last": YEAR_MAX},
        )


def _storable_datetime(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None:
        raise PydanticCustomError(
            "timezone_required",
            _("Give the time with its UTC offset, for example 2025-06-01T10:00:00+01:00 or Z."),
        )
    if abs(offset) > UTC_OFFSET_MAX:
        raise PydanticCustomError(
            "utc_offset_out_of_range", _("Give a UTC offset from -14:00 to +14:00.")
        )
    _year_in_range(value.year)
    return value


def _storable_date(value: date) -> date:
    _year_in_range(value.year)
    return value


# A moment in time with its UTC offset, e.g. 2025-06-01T10:00:00+01:00.
BoundedDatetime = Annotated[datetime, AfterValidator(_storable_datetime)]
# A calendar day, e.g. 2025-06-01, in the years above.
BoundedDate = Annotated[date, AfterValidator(_storable_date)]


class PatchIn(Schema):
    """A PATCH body: leave a field out to keep it as it is. null empties only the fields named
    in ``clearable``; anywhere else it is refused with the field named (it used to reach a
    column that cannot be empty)."""

    clearable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.clearable:
            raise PydanticCustomError(
                "null_refused", _("Leave this out to keep it as it is; it cannot be emptied.")
            )
        return value


class Pagination(LimitOffsetPagination):
    """django-ninja's limit and offset, bounded: 1 to 100 a page, an offset inside 64 bits."""

    class Input(Schema):
        limit: Limit = PAGE_SIZE_MAX
        offset: Offset = 0


def _is_json(content_type: str) -> bool:
    kind = content_type.lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


def _nul_paths(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Where a NUL character sits in parsed JSON (a key with one names its object)."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                yield path
            else:
                yield from _nul_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, (*path, str(index)))


class JsonParser(Parser):
    """Bodies are JSON objects sent as `application/json`; nothing else reaches a handler.

    django-ninja wraps any error raised here in a plain 400; the API's handler for that 400
    answers the ApiError it wraps instead (415, or 400 with the field named).
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if not _is_json(request.content_type or ""):
            raise ApiError(
                415,
                "unsupported_media_type",
                _("Send the body as JSON, with the header Content-Type: application/json."),
            )
        try:
            data = json.loads(request.body)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise ApiError(
                400, "invalid", _("The body is not valid JSON. Check it and send it again.")
            ) from error
        if not isinstance(data, dict):
            raise ApiError(400, "invalid", _('Send the body as a JSON object: {"name": value}.'))
        places = {".".join(path) or "__all__" for path in _nul_paths(data)}
        if places:
            raise nul_refusal(sorted(places))
        return cast(dict[str, Any], data)
