"""Template helpers for time credits: minutes shown as hours and minutes, like 1:30 or −10:00."""

from __future__ import annotations

from django import template

register = template.Library()

MINUS = "\u2212"


@register.filter
def minutes_display(minutes: int | None) -> str:
    """Show whole minutes as H:MM with a real minus sign: 90 → "1:30", −600 → "−10:00".

    None (no limit) shows as an empty string; templates say "no limit" in words.
    """
    if minutes is None:
        return ""
    sign = MINUS if minutes < 0 else ""
    hours, rest = divmod(abs(int(minutes)), 60)
    return f"{sign}{hours}:{rest:02d}"


@register.filter
def minutes_signed(minutes: int | None) -> str:
    """Like minutes_display but always with a sign, for money in and out: +1:30, −0:45."""
    if minutes is None:
        return ""
    return ("+" if minutes > 0 else "") + minutes_display(minutes)


@register.filter
def per_mille_display(per_mille: int | None) -> str:
    """A multiplier kept per mille, shown as ×1.5."""
    if per_mille is None:
        return ""
    whole, rest = divmod(int(per_mille), 1000)
    text = f"{whole}.{rest:03d}".rstrip("0").rstrip(".")
    return f"×{text}"
