"""Forms for the time-credit pages. They read hours and minutes; services do the work."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from coproduce.communities.fields import MemberChoiceField
from coproduce.communities.models import Membership, Organisation
from coproduce.edge.forms import (
    BoundedDateField,
    BoundedDateTimeField,
    DurationField,
    IdempotentForm,
)
from coproduce.ledger.models import Account, CreditRule, Transfer
from coproduce.ledger.rules import PER_MILLE


def _credits_field(**kwargs: Any) -> DurationField:
    """Time or credits that one transfer moves. The services refuse more than
    LEDGER_MAX_TRANSFER_MINUTES for pages and the API alike, saying to record it in parts."""
    return DurationField(most=None, **kwargs)


class MultiplierField(forms.DecimalField):
    """A multiplier typed as 1.5, kept as an integer per mille (1500)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal("0.001"))
        kwargs.setdefault("max_value", Decimal("100"))
        kwargs.setdefault("decimal_places", 3)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return Decimal(value) / PER_MILLE
        return value

    def clean(self, value: Any) -> int | None:
        decimal = super().clean(value)
        if decimal is None:
            return None
        return int(decimal * PER_MILLE)


class GiveForm(IdempotentForm):
    """A member gives some of their credits to another member or to the community pot."""

    to = MemberChoiceField(
        label=_("Who gets the credits"),
        others=[("pot", _("The community pot (a donation)"))],
        value_prefix="member:",
        empty_label=None,
    )
    minutes = _credits_field(label=_("How much time credit"))
    memo = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)

    def __init__(self, *args: Any, members: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_field = self.fields["to"]
        assert isinstance(to_field, MemberChoiceField)  # noqa: S101 - declared above
        to_field.queryset = members


KIND_CHOICES_FOR_COORDINATORS = [
    (Transfer.Kind.EXCHANGE, _("Exchange: hours given by one member to another")),
    (Transfer.Kind.AWARD, _("Award: credits for a contribution")),
    (Transfer.Kind.REDEMPTION, _("Redemption: credits spent with a partner")),
    (Transfer.Kind.DONATION, _("Donation to the community pot")),
    (Transfer.Kind.GIFT, _("Gift")),
    (Transfer.Kind.ADJUSTMENT, _("Adjustment (a correction)")),
]
RULE_KINDS = frozenset({Transfer.Kind.EXCHANGE, Transfer.Kind.AWARD})


class RecordTransferForm(IdempotentForm):
    """A coordinator records a transfer, an award or an adjustment."""

    kind = forms.ChoiceField(label=_("What is it"), choices=KIND_CHOICES_FOR_COORDINATORS)
    debit = MemberChoiceField(label=_("From"), value_prefix="member:", empty_label=None)
    credit = MemberChoiceField(label=_("To"), value_prefix="member:", empty_label=None)
    minutes = _credits_field(
        label=_("Time"),
        help_text=_(
            "For exchanges and awards, the time given: the credit rule turns it into credits. "
            "For everything else, the credits themselves."
        ),
    )
    category = forms.CharField(
        label=_("Kind of help (optional)"),
        max_length=60,
        required=False,
        help_text=_(
            "Used by the credit rule: the short name of a kind of help, "
            "for example “personal-care”."
        ),
    )
    given_at = BoundedDateTimeField(
        label=_("When the time was given (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Used by the credit rule for time outside usual hours."),
    )
    on_hold = forms.BooleanField(label=_("Put on hold until confirmed"), required=False)
    memo = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(
        self,
        *args: Any,
        members: QuerySet[Membership],
        organisations: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("debit", "credit"):
            field = self.fields[name]
            assert isinstance(field, MemberChoiceField)  # noqa: S101 - declared above
            # Any account of the community: its own two first, then members, then partners.
            field.others = [
                ("issuance", str(Account.Kind.ISSUANCE.label)),
                ("pot", str(Account.Kind.POT.label)),
            ]
            field.others_after = [(f"organisation:{o.pk}", o.name) for o in organisations]
            field.queryset = members

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("debit") and data.get("debit") == data.get("credit"):
            self.add_error("credit", _("Choose a different account from the one paying."))
        return data


class LimitsForm(forms.Form):
    # The services refuse a floor above 0:00 and limits past a million hours, saying why.
    floor = DurationField(
        label=_("Lowest balance allowed"),
        least=None,
        most=None,
        required=False,
        help_text=_("For example −10:00. Leave empty for no limit."),
    )
    ceiling = DurationField(
        label=_("Highest balance allowed"),
        least=0,
        most=None,
        required=False,
        help_text=_("For example 40:00. Leave empty for no limit."),
    )
    reason = forms.CharField(label=_("Why (kept in the log)"), max_length=300, required=False)


class ReverseForm(IdempotentForm):
    memo = forms.CharField(label=_("Why is it being reversed?"), max_length=500, required=False)


_CATEGORY_LINE = re.compile(
    r"^\s*(?P<name>[^:=]+?)\s*[:=]\s*[×x*]?\s*(?P<value>\d+(?:\.\d{1,3})?)\s*$"
)


class CreditRuleForm(forms.Form):
    starts_at = BoundedDateTimeField(
        label=_("Applies from (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty to apply from now."),
    )
    window_start = forms.TimeField(label=_("Usual hours start"), initial="09:00")
    window_end = forms.TimeField(label=_("Usual hours end"), initial="17:00")
    out_of_hours = MultiplierField(
        label=_("Multiplier outside usual hours"),
        initial=Decimal("1"),
        help_text=_("1 means no change; 1.5 means half as much again."),
    )
    categories = forms.CharField(
        label=_("Multipliers by kind of help (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: the short name of a kind of help and its multiplier, "
            "like “personal-care: 2”."
        ),
    )
    stacking = forms.ChoiceField(
        label=_("When both apply"),
        choices=CreditRule.Stacking.choices,
        widget=forms.RadioSelect,
        initial=CreditRule.Stacking.MULTIPLY,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_categories(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for line in (self.cleaned_data.get("categories") or "").splitlines():
            if not line.strip():
                continue
            match = _CATEGORY_LINE.match(line)
            if match is None:
                raise ValidationError(
                    _("Write each line like “personal-care: 2”. This line is not: %(line)s"),
                    params={"line": line.strip()},
                )
            try:
                per_mille = int(Decimal(match["value"]) * PER_MILLE)
            except InvalidOperation as error:
                raise ValidationError(_("That multiplier is not a number.")) from error
            if per_mille < 1:
                raise ValidationError(_("Every multiplier must be more than zero."))
            result[match["name"].strip().lower()] = per_mille
        return result


class LinkForm(forms.Form):
    partner_slug = forms.SlugField(
        label=_("The other community's web address name"),
        help_text=_("The part after /c/ in their address."),
    )
    limit_to_partner = DurationField(
        label=_("Most credit that may go to them, net"), least=0, most=None
    )
    limit_from_partner = DurationField(
        label=_("Most credit that may come from them, net"), least=0, most=None
    )


class LinkGiveForm(IdempotentForm):
    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_("The address they sign in with in the other community."),
    )
    minutes = _credits_field(label=_("How much time credit"))
    memo = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class StatementFilterForm(forms.Form):
    date_from = BoundedDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = BoundedDateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.MultipleChoiceField(
        label=_("Kinds"),
        choices=Transfer.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    as_of = BoundedDateField(
        label=_("Balance at the end of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
