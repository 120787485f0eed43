"""Template filters for time credits. Minutes are formatted in ``coproduce.edge.units``; these
filters only make its functions available to templates (``{% load ledger %}``)."""

from __future__ import annotations

from django import template

from coproduce.edge import units

register = template.Library()


@register.filter
def minutes_display(minutes: int | None) -> str:
    """90 → "1:30", −600 → "−10:00"; None (no limit) → ""."""
    return units.minutes_display(minutes)


@register.filter
def minutes_signed(minutes: int | None) -> str:
    """+1:30, −0:45: for credits in and out."""
    return units.minutes_signed(minutes)


@register.filter
def minutes_in_words(minutes: int | None) -> str:
    """195 → "3 hours 15 minutes" (Welsh: "3 awr 15 munud"); None → ""."""
    return "" if minutes is None else units.minutes_in_words(minutes)


@register.filter
def per_mille_display(per_mille: int | None) -> str:
    """A multiplier kept per mille, shown as ×1.5."""
    if per_mille is None:
        return ""
    whole, rest = divmod(int(per_mille), 1000)
    text = f"{whole}.{rest:03d}".rstrip("0").rstrip(".")
    return f"×{text}"
