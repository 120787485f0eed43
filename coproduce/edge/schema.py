"""Input types of the API that pages share their rules with.

The API takes time as whole minutes, a JSON integer (docs/api.md, "Time"): not "1:30", not
"90", not 90.0, not true. Its range is checked with ``edge.units.minutes_refusal``, as the
duration field of every form checks it, so a page and an API call refuse the same amounts in
the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from coproduce.edge.units import minutes_refusal


@dataclass(frozen=True)
class WholeMinutes:
    """``Annotated[int, WholeMinutes(least=1, most=1440)]``: whole minutes from ``least`` to
    ``most`` (None: no bound)."""

    least: int | None = 1
    most: int | None = None

    def _check(self, minutes: int) -> int:
        refusal = minutes_refusal(minutes, least=self.least, most=self.most)
        if refusal is not None:
            raise PydanticCustomError(refusal.code or "out_of_range", " ".join(refusal.messages))
        return minutes

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            self._check, core_schema.int_schema(strict=True)
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if self.least is not None:
            json_schema["minimum"] = self.least
        if self.most is not None:
            json_schema["maximum"] = self.most
        return json_schema
