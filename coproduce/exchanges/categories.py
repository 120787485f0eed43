"""The kinds of help a new community starts with. Slugs are what credit rules name
(a rule "personal-care: 2" doubles the credits of personal care)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# slug → (the English name stored, the translatable name shown)
DEFAULT_CATEGORIES: tuple[tuple[str, str, Promise], ...] = (
    ("befriending", "Befriending and visits", _("Befriending and visits")),
    ("lifts", "Lifts and transport", _("Lifts and transport")),
    ("shopping-and-errands", "Shopping and errands", _("Shopping and errands")),
    ("gardening", "Gardening", _("Gardening")),
    ("diy", "DIY and repairs", _("DIY and repairs")),
    ("it-help", "Computers and phones", _("Computers and phones")),
    ("creative", "Arts and crafts", _("Arts and crafts")),
    ("learning", "Learning and languages", _("Learning and languages")),
    ("cooking", "Cooking and meals", _("Cooking and meals")),
    ("walking-and-sport", "Walking and sport", _("Walking and sport")),
    ("personal-care", "Personal care", _("Personal care")),
    ("childcare", "Childcare", _("Childcare")),
    ("pets", "Pets", _("Pets")),
    ("paperwork", "Forms and letters", _("Forms and letters")),
    ("other", "Something else", _("Something else")),
)
DEFAULT_NAMES: dict[str, tuple[str, Promise]] = {
    slug: (name, label) for slug, name, label in DEFAULT_CATEGORIES
}
