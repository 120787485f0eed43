"""Forms for community pages. They validate input; services do the work."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.communities.hooks import community_kinds_of_help
from coproduce.communities.models import Invitation, Membership, Organisation
from coproduce.people.models import AVAILABILITY_CHOICES, Profile, Visibility

VISIBILITY_LABELS = {
    "gives": _("Who can see what you can give"),
    "needs": _("Who can see the help you would like"),
    "good_life": _("Who can see what a good life looks like for you"),
    "availability": _("Who can see when you are free"),
    "languages": _("Who can see your languages"),
    "neighbourhood": _("Who can see your neighbourhood and roughly how far away you are"),
}


class ProfileForm(forms.ModelForm):
    """An asset-based profile: what someone can give comes first, then what they need."""

    gives_categories = forms.MultipleChoiceField(
        label=_("What kinds of help can you give?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone has something to give. Tick all that you enjoy."),
    )
    needs_categories = forms.MultipleChoiceField(
        label=_("What kinds of help would you like?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("We show you new offers of these."),
    )
    availability = forms.MultipleChoiceField(
        label=_("When are you usually free?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=AVAILABILITY_CHOICES,
    )
    approx_location = forms.CharField(
        label=_("Roughly where you live (optional)"),
        required=False,
        max_length=40,
        help_text=_(
            "Latitude and longitude, like 51.43, -0.09. We keep it only to about 1 km and nobody "
            "sees it. Search tells the people who may see your neighbourhood roughly how far "
            "away you are, in whole kilometres and never closer than 3 km."
        ),
    )

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "pronouns",
            "gives_categories",
            "gives_tags",
            "needs_categories",
            "good_life",
            "availability",
            "availability_note",
            "languages",
            "contact_preference",
            "phone",
            "neighbourhood",
            "accessibility_needs",
        ]
        labels = {
            "gives_tags": _("Your skills and passions, in your own words"),
            "good_life": _("What would a good life look like for you?"),
            "availability_note": _("Anything else about when you are free"),
            "neighbourhood": _("Your neighbourhood"),
        }
        widgets = {
            "contact_preference": forms.RadioSelect,
            "good_life": forms.Textarea(attrs={"rows": 4}),
            "accessibility_needs": forms.Textarea(attrs={"rows": 4}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = [
            (kind.slug, kind.label)
            for kind in community_kinds_of_help(self.instance.membership.community_id)
        ]
        for name in ("gives_categories", "needs_categories"):
            field = self.fields[name]
            assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101
            field.choices = categories
        if self.instance.has_location:
            self.initial["approx_location"] = (
                f"{self.instance.approx_latitude}, {self.instance.approx_longitude}"
            )
        for group, label in VISIBILITY_LABELS.items():
            self.fields[f"visibility_{group}"] = forms.ChoiceField(
                label=label,
                choices=Visibility.choices,
                initial=self.instance.visible_to(group),
                required=False,
            )

    def clean_approx_location(self) -> tuple[Decimal, Decimal] | None:
        text = str(self.cleaned_data.get("approx_location") or "").strip()
        if not text:
            return None
        parts = [part.strip() for part in text.replace(";", ",").split(",")]
        try:
            latitude, longitude = (Decimal(part) for part in parts)
        except (ValueError, InvalidOperation):
            latitude = longitude = Decimal("NaN")
        if not (latitude.is_finite() and longitude.is_finite()):  # "NaN" can't be compared
            raise forms.ValidationError(
                _("Write two numbers with a comma between, like 51.43, -0.09.")
            )
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise forms.ValidationError(_("That is not a place on Earth."))
        return latitude, longitude

    def changes(self) -> dict[str, object]:
        """What profile_update should change, as keyword arguments."""
        data = self.cleaned_data
        changes: dict[str, object] = {
            name: data[name] for name in self.changed_data if name in self.Meta.fields
        }
        if "approx_location" in self.changed_data:
            location = data["approx_location"]
            changes["approx_latitude"] = location[0] if location else None
            changes["approx_longitude"] = location[1] if location else None
        visibility = {
            group: data[f"visibility_{group}"] or self.instance.visible_to(group)
            for group in VISIBILITY_LABELS
        }
        if visibility != {group: self.instance.visible_to(group) for group in VISIBILITY_LABELS}:
            changes["visibility"] = visibility
        return changes


class MemberRegisterForm(forms.Form):
    display_name = forms.CharField(
        label=_("Their name"),
        max_length=80,
        help_text=_("The name they would like other members to see."),
    )
    phone = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    contact_preference = forms.ChoiceField(
        label=_("How they like to be contacted"),
        choices=Profile.ContactPreference.choices,
        initial=Profile.ContactPreference.COORDINATOR,
        widget=forms.RadioSelect,
    )
    languages = forms.CharField(label=_("Languages they speak"), max_length=200, required=False)
    accessibility_needs = forms.CharField(
        label=_("Anything that helps them take part"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Tell the coordinators a little about yourself (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RolesForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = [
            "is_member",
            "is_coordinator",
            "is_partner",
            "is_referrer",
            "is_observer",
            "is_admin",
            "organisation",
        ]

    def __init__(
        self, *args: object, community_id: int, can_change_admin: bool, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not can_change_admin:
            # The service refuses a change; say so before anyone tries.
            self.fields["is_admin"].help_text = _(
                "Only an administrator can change who is an administrator."
            )
        organisation = self.fields["organisation"]
        assert isinstance(organisation, forms.ModelChoiceField)  # noqa: S101
        organisation.queryset = Organisation.objects.filter(community_id=community_id)
        organisation.help_text = _("Needed for partner staff.")


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["note", "email", "max_uses", "as_coordinator", "as_referrer"]

    def clean_max_uses(self) -> int:
        value: int = self.cleaned_data["max_uses"]
        if not 1 <= value <= 500:
            raise forms.ValidationError(_("Choose a number from 1 to 500."))
        return value


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(
        label=_("website"), required=False, assume_scheme="https", max_length=200
    )

    class Meta:
        model = Organisation
        fields = ["name", "kind", "description", "website"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
