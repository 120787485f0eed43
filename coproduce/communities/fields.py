"""The one way a form chooses a member: every app's member pickers are this field.

A community of a few hundred people fits a list; one of thousands does not (the page would
carry every name, and nobody reads a list that long). So the field lists the members when
there are at most ``LISTED_MOST``, and otherwise asks for a name and finds it: one match is
chosen, several are listed to choose from. Pages work without JavaScript either way. The value
sent is the member's id (from the list, or an address like ``?to=12``) or what was typed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coproduce.communities.models import Membership
from coproduce.edge.forms import row_id

LISTED_MOST = 200
EMPTY_LABEL = "---------"


class MemberPicker(forms.Select):
    """A list of the names to choose from, or a box to type a name in when there are too many
    to list (``MemberChoices.is_typed``)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> Any:
        if getattr(self.choices, "is_typed", False):
            box = forms.TextInput(attrs={**self.attrs, "autocomplete": "off"})
            return box.render(name, value, attrs, renderer)
        return super().render(name, value, attrs, renderer)


class MemberChoices(BaseChoiceIterator):
    """The choices a MemberChoiceField lists, read from the database at most once per form (a
    BaseChoiceIterator, so that Django keeps it lazy as it does ModelChoiceField's)."""

    def __init__(self, field: MemberChoiceField) -> None:
        self.field = field

    @property
    def is_typed(self) -> bool:
        return self.field.listed() is None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        field = self.field
        if field.empty_label is not None and not (field.required and field.initial is not None):
            yield ("", field.empty_label)
        yield from ((key, str(label)) for key, label in field.others)
        for member in field.listed() or []:
            yield (field.value_for(member.pk), str(member))
        yield from ((key, str(label)) for key, label in field.others_after)


class MemberChoiceField(forms.Field):
    """A member of ``queryset`` (the community's members a selector allows), chosen by name.

    ``others`` and ``others_after`` are choices that are not members, listed before and after
    them (``("pot", "The community pot")``): their key is the cleaned value when one is chosen,
    otherwise the Membership. ``value_prefix`` goes before a member's id in the value sent
    (``"member:"`` where the value may name any kind of account). ``empty_label`` None: no
    empty choice, the first is chosen unless another is.
    """

    widget = MemberPicker
    default_error_messages = {
        "invalid_choice": _("Choose someone from the list."),
        "not_found": _("We couldn't find anyone called “%(name)s” here. Check the spelling."),
        "several": _("More than one person is called “%(name)s”. Choose one from the list."),
    }

    def __init__(
        self,
        *,
        queryset: QuerySet[Membership] | None = None,
        others: Sequence[tuple[str, str | Promise]] = (),
        others_after: Sequence[tuple[str, str | Promise]] = (),
        value_prefix: str = "",
        empty_label: str | None = EMPTY_LABEL,
        **kwargs: Any,
    ) -> None:
        self.others = list(others)
        self.others_after = list(others_after)
        self.value_prefix = value_prefix
        self.empty_label = empty_label
        super().__init__(**kwargs)
        self.queryset = queryset if queryset is not None else Membership.objects.none()

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        result = super().__deepcopy__(memo)  # type: ignore[misc]  # Field has one; stubs don't
        result.others = list(self.others)
        result.others_after = list(self.others_after)
        result.queryset = self._queryset.all()
        return result

    @property
    def queryset(self) -> QuerySet[Membership]:
        return self._queryset

    @queryset.setter
    def queryset(self, queryset: QuerySet[Membership]) -> None:
        self._queryset = queryset
        self._listed: list[Membership] | None = None
        self._is_read = False
        self._narrowed: list[Membership] | None = None
        self.widget.choices = MemberChoices(self)

    def listed(self) -> list[Membership] | None:
        """The members to list, or None when there are too many and a name is typed instead."""
        if self._narrowed is not None:
            return self._narrowed
        if not self._is_read:
            members = list(self._queryset[: LISTED_MOST + 1])
            self._listed = members if len(members) <= LISTED_MOST else None
            self._is_read = True
        return self._listed

    def value_for(self, pk: int) -> str:
        return f"{self.value_prefix}{pk}"

    def _member_id(self, text: str) -> int | None:
        return (
            row_id(text.removeprefix(self.value_prefix))
            if text.startswith(self.value_prefix)
            else None
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Membership):
            value = value.pk
        if isinstance(value, int):
            value = self.value_for(value)
        if value and MemberChoices(self).is_typed:
            # A box to type in shows the chosen member's name, not their id.
            pk = self._member_id(str(value))
            if pk is not None:
                member = self._queryset.filter(pk=pk).first()
                return str(member) if member is not None else ""
        return value

    def to_python(self, value: Any) -> Membership | str | None:
        text = " ".join(str(value or "").split())
        if not text:
            return None
        for key, label in (*self.others, *self.others_after):
            if text == key or text.casefold() == str(label).casefold():
                return key
        number = text.removeprefix(self.value_prefix)
        if text.startswith(self.value_prefix) and number.isascii() and number.isdigit():
            pk = row_id(number)
            member = self._queryset.filter(pk=pk).first() if pk is not None else None
            if member is None:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            return member
        return self._named(text[:100])

    def _named(self, name: str) -> Membership:
        matches = list(self._queryset.filter(profile__display_name__iexact=name)[:LISTED_MOST])
        if not matches:
            matches = list(
                self._queryset.filter(profile__display_name__icontains=name)[:LISTED_MOST]
            )
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ValidationError(
                self.error_messages["not_found"], code="not_found", params={"name": name}
            )
        # When the form is shown again, it lists just these people to choose from.
        self._narrowed = matches
        raise ValidationError(self.error_messages["several"], code="several", params={"name": name})
