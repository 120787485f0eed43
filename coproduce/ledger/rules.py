"""Credit rules (Fureai Kippu): how many credit-minutes a given stretch of time earns.

Pure arithmetic on integers. Multipliers are per mille (1500 = ×1.5). The result is rounded
half up to a whole minute once, at the end, so it never depends on how the time is split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

PER_MILLE = 1000
STACK_MULTIPLY = "multiply"
STACK_ADD = "add"
STACK_HIGHEST = "highest"


@dataclass(frozen=True)
class RuleTerms:
    out_of_hours_per_mille: int = PER_MILLE
    window_start: time = time(9, 0)
    window_end: time = time(17, 0)
    category_per_mille: dict[str, int] = field(default_factory=dict)
    stacking: str = STACK_MULTIPLY


ONE_TO_ONE = RuleTerms()


def minutes_inside_window(
    start: datetime, minutes: int, window_start: time, window_end: time
) -> int:
    """How many minutes from ``start`` (local wall-clock time) fall inside the daily window."""
    start = start.replace(second=0, microsecond=0, tzinfo=None)
    end = start + timedelta(minutes=minutes)
    inside = 0
    day: date = start.date()
    while datetime.combine(day, time.min) < end:
        low = max(datetime.combine(day, window_start), start)
        high = min(datetime.combine(day, window_end), end)
        if high > low:
            inside += (high - low) // timedelta(minutes=1)
        day += timedelta(days=1)
    return inside


def category_multiplier(terms: RuleTerms, category: str) -> int:
    return terms.category_per_mille.get(category.strip().lower(), PER_MILLE)


def credits_for(
    terms: RuleTerms, *, minutes_given: int, category: str = "", local_start: datetime | None = None
) -> int:
    """Credit-minutes earned. Without a start time every minute counts as inside usual hours."""
    by_category = category_multiplier(terms, category)
    if local_start is None:
        inside = minutes_given
    else:
        inside = minutes_inside_window(
            local_start, minutes_given, terms.window_start, terms.window_end
        )
    outside = minutes_given - inside
    by_hour = terms.out_of_hours_per_mille
    # Both factors per mille, so the products are per million.
    if terms.stacking == STACK_ADD:
        outside_factor = (by_category + by_hour - PER_MILLE) * PER_MILLE
    elif terms.stacking == STACK_HIGHEST:
        outside_factor = max(by_category, by_hour) * PER_MILLE
    else:
        outside_factor = by_category * by_hour
    numerator = inside * by_category * PER_MILLE + outside * max(outside_factor, 0)
    per_million = PER_MILLE * PER_MILLE
    return (numerator + per_million // 2) // per_million
