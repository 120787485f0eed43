"""Forms for community pages. They validate input; services do the work."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.communities.models import Invitation, Membership, Organisation
from coproduce.people.models import Profile


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = [
            "display_name",
            "pronouns",
            "languages",
            "contact_preference",
            "phone",
            "accessibility_needs",
        ]
        widgets = {
            "contact_preference": forms.RadioSelect,
            "accessibility_needs": forms.Textarea(attrs={"rows": 4}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }


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

    def __init__(self, *args: object, community_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
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
