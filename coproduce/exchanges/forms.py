"""Forms for offers, requests and exchanges. They read input; services do the work."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.communities.fields import MemberChoiceField
from coproduce.communities.models import Membership
from coproduce.edge.forms import (
    BoundedDateField,
    BoundedDateTimeField,
    DurationField,
    IdempotentForm,
    RowsChoiceField,
)
from coproduce.exchanges.models import MAX_EXCHANGE_MINUTES, Category, Listing
from coproduce.people.models import DAY_PARTS, WEEKDAYS

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


class ListingForm(forms.ModelForm):
    category = CategoryChoiceField(label=_("Kind of help"), queryset=Category.objects.none())
    open_until = BoundedDateField(
        label=_("Keep it open until"),
        widget=DATE_WIDGET,
        help_text=_("We remind you before then, so you can keep it open longer."),
    )

    class Meta:
        model = Listing
        fields = [
            "kind",
            "category",
            "title",
            "description",
            "place",
            "venue",
            "when",
            "starts_at",
            "capacity",
            "open_until",
        ]
        labels = {
            "kind": _("Are you offering or asking?"),
            "title": _("Title"),
            "description": _("Tell people more"),
            "place": _("Where"),
            "venue": _("Which venue"),
            "when": _("When suits you"),
            "starts_at": _("A set date and time, for a session"),
            "capacity": _("How many people can take part"),
        }
        help_texts = {
            "title": _("A few words, like “Help with gardening”."),
            "venue": _("Only if it is at a venue."),
            "when": _("For example: weekday mornings."),
            "starts_at": _("Leave empty if you will agree a time with each person."),
            "capacity": _("1 for help to one person; more for a group session."),
        }
        field_classes = {"starts_at": BoundedDateTimeField}
        widgets = {
            "kind": forms.RadioSelect,
            "place": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
            "starts_at": DATETIME_WIDGET,
        }

    def __init__(self, *args: Any, categories: QuerySet[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)  # noqa: S101 - declared above
        category.queryset = categories
        capacity = self.fields["capacity"]
        assert isinstance(capacity, forms.IntegerField)  # noqa: S101
        capacity.min_value = 1
        capacity.max_value = 100
        if self.instance.pk:
            self.initial["open_until"] = timezone.localdate(self.instance.expires_at)

    def clean_title(self) -> str:
        title = str(self.cleaned_data.get("title") or "").strip()
        if not title:
            raise forms.ValidationError(_("Give it a short title."))
        return title


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Offers or requests"),
        required=False,
        choices=[("", _("Both")), *Listing.Kind.choices],
    )
    category = forms.ChoiceField(label=_("Kind of help"), required=False)
    day = forms.ChoiceField(
        label=_("Free on"), required=False, choices=[("", _("Any day")), *WEEKDAYS]
    )
    part = forms.ChoiceField(
        label=_("Time of day"), required=False, choices=[("", _("Any time")), *DAY_PARTS]
    )
    within_km = forms.TypedChoiceField(
        label=_("Distance"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any distance")),
            ("3", _("Within about 3 km")),
            ("5", _("Within about 5 km")),
            ("10", _("Within about 10 km")),
        ],
    )

    def __init__(self, *args: Any, categories: QuerySet[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)  # noqa: S101
        category.choices = [("", _("All kinds")), *((c.slug, c.label) for c in categories)]


class MessageForm(forms.Form):
    prefix = "message"

    text = forms.CharField(
        label=_("Your message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class StartForm(forms.Form):
    text = forms.CharField(
        label=_("Your message (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say hello and when might suit you."),
    )


class ProposeForm(forms.Form):
    """Propose an exchange straight to someone, without a listing."""

    direction = forms.ChoiceField(
        label=_("Who gives the time?"),
        widget=forms.RadioSelect,
        choices=[("give", _("I would help them")), ("receive", _("They would help me"))],
    )
    other = MemberChoiceField(label=_("Who with"))
    category = CategoryChoiceField(label=_("Kind of help"), queryset=Category.objects.none())
    title = forms.CharField(label=_("What is the help"), max_length=120)
    text = forms.CharField(
        label=_("Your message (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        members: QuerySet[Membership],
        categories: QuerySet[Category],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        other = self.fields["other"]
        assert isinstance(other, MemberChoiceField)  # noqa: S101
        other.queryset = members
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)  # noqa: S101
        category.queryset = categories


class AgreeForm(forms.Form):
    prefix = "agree"

    agreed_for = BoundedDateTimeField(label=_("Date and time"), widget=DATETIME_WIDGET)
    text = forms.CharField(
        label=_("Anything to add (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RecordForm(IdempotentForm):
    prefix = "record"

    minutes = DurationField(label=_("How long was the help"), most=MAX_EXCHANGE_MINUTES)
    given_on = BoundedDateField(
        label=_("On what day"),
        widget=DATE_WIDGET,
        required=False,
        help_text=_("Leave empty for the agreed day, or today."),
    )
    text = forms.CharField(
        label=_("Note (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(forms.Form):
    prefix = "cancel"

    reason = forms.CharField(
        label=_("Why are you cancelling?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The other person sees this."),
    )


class ThankForm(forms.Form):
    prefix = "thank"

    text = forms.CharField(
        label=_("Say thank you"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConcernResolveForm(forms.Form):
    text = forms.CharField(
        label=_("What was done about it"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the record. Only coordinators see it."),
    )


class ConcernForm(forms.Form):
    prefix = "concern"

    text = forms.CharField(
        label=_("What worries you?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only the coordinators see this. The other person is not told."),
    )


class OnBehalfForm(forms.Form):
    """For coordinators: which side of the exchange they are acting for."""

    member = forms.ModelChoiceField(
        label=_("Acting for"), queryset=Membership.objects.none(), widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, parties: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member = self.fields["member"]
        assert isinstance(member, forms.ModelChoiceField)  # noqa: S101
        member.queryset = parties


class AssistedRecordForm(IdempotentForm):
    """A coordinator records help that already happened, for members without a login."""

    giver = MemberChoiceField(label=_("Who gave the time"))
    receiver = MemberChoiceField(label=_("Who received the help"))
    category = CategoryChoiceField(label=_("Kind of help"), queryset=Category.objects.none())
    title = forms.CharField(label=_("What was the help"), max_length=120)
    minutes = DurationField(label=_("How long was the help"), most=MAX_EXCHANGE_MINUTES)
    given_on = BoundedDateField(label=_("On what day"), widget=DATE_WIDGET)
    confirm_now = forms.BooleanField(
        label=_("The other person has confirmed the hours too"),
        required=False,
        help_text=_("Tick only if you heard it from both of them."),
    )

    def __init__(
        self,
        *args: Any,
        members: QuerySet[Membership],
        categories: QuerySet[Category],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("giver", "receiver"):
            field = self.fields[name]
            assert isinstance(field, MemberChoiceField)  # noqa: S101
            field.queryset = members
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)  # noqa: S101
        category.queryset = categories

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("giver") and data.get("giver") == data.get("receiver"):
            self.add_error("receiver", _("Choose two different people."))
        return data


class GroupRecordForm(IdempotentForm):
    direction = forms.ChoiceField(
        label=_("What happened"),
        widget=forms.RadioSelect,
        choices=[
            ("one_to_many", _("One person gave time to several people (a session)")),
            ("many_to_one", _("Several people gave time to one person")),
        ],
    )
    one = MemberChoiceField(label=_("The one person"))
    many = RowsChoiceField(
        label=_("The other people"),
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    category = CategoryChoiceField(label=_("Kind of help"), queryset=Category.objects.none())
    title = forms.CharField(label=_("What was it"), max_length=120)
    minutes = DurationField(label=_("How long, for each person"), most=MAX_EXCHANGE_MINUTES)
    given_on = BoundedDateField(label=_("On what day"), widget=DATE_WIDGET)

    def __init__(
        self,
        *args: Any,
        members: QuerySet[Membership],
        categories: QuerySet[Category],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        one = self.fields["one"]
        assert isinstance(one, MemberChoiceField)  # noqa: S101
        one.queryset = members
        many = self.fields["many"]
        assert isinstance(many, forms.ModelChoiceField)  # noqa: S101
        many.queryset = members
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)  # noqa: S101
        category.queryset = categories
