"""Ledger tables: accounts with O(1) counters, append-only transfers, credit rules and links.

Only ``coproduce.ledger.services`` creates transfers or changes account counters.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from coproduce.communities.models import Community, Membership, Organisation
from coproduce.edge import units

# The most minutes any limit (an account's floor or ceiling, a link's limit) or any one transfer
# may be: a million hours. The setting LEDGER_MAX_TRANSFER_MINUTES (at most this) caps each
# transfer lower. Counters then grow by at most this much per transfer and stay far from the
# 64-bit limits (2^63 minutes would take 150 thousand billion transfers of the largest size).
# The duration field of every form reads the same number from coproduce.edge.units.
MINUTES_BOUND = units.MINUTES_BOUND


class Account(models.Model):
    """Where time credits are held. Balance = credits_posted − debits_posted."""

    class Kind(models.TextChoices):
        MEMBER = "member", _("Member")
        ORGANISATION = "organisation", _("Partner organisation")
        ISSUANCE = "issuance", _("Community issuance")
        POT = "pot", _("Community pot")
        CLEARING = "clearing", _("Clearing with another community")

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="ledger_accounts",
        verbose_name=_("community"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ledger_accounts",
        verbose_name=_("member"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ledger_accounts",
        verbose_name=_("organisation"),
    )
    partner = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner community"),
    )
    debits_posted = models.BigIntegerField(_("minutes paid out"), default=0, editable=False)
    credits_posted = models.BigIntegerField(_("minutes received"), default=0, editable=False)
    debits_pending = models.BigIntegerField(_("minutes on hold to pay"), default=0, editable=False)
    credits_pending = models.BigIntegerField(
        _("minutes on hold to receive"), default=0, editable=False
    )
    floor = models.BigIntegerField(
        _("lowest balance allowed, in minutes"),
        null=True,
        blank=True,
        help_text=_("Empty means no limit."),
    )
    ceiling = models.BigIntegerField(
        _("highest balance allowed, in minutes"),
        null=True,
        blank=True,
        help_text=_("Empty means no limit."),
    )
    created_at = models.DateTimeField(_("opened"), default=now)

    class Meta:
        verbose_name = _("time-credit account")
        verbose_name_plural = _("time-credit accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(debits_posted__gte=0)
                & Q(credits_posted__gte=0)
                & Q(debits_pending__gte=0)
                & Q(credits_pending__gte=0),
                name="ledger_account_counters_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(floor__isnull=True)
                | Q(floor__lte=F("credits_posted") - F("debits_posted") - F("debits_pending")),
                name="ledger_account_within_floor",
            ),
            models.CheckConstraint(
                condition=Q(ceiling__isnull=True)
                | Q(ceiling__gte=F("credits_posted") + F("credits_pending") - F("debits_posted")),
                name="ledger_account_within_ceiling",
            ),
            models.CheckConstraint(
                condition=Q(floor__isnull=True) | Q(floor__lte=0),
                name="ledger_account_floor_not_positive",
            ),
            models.CheckConstraint(
                condition=Q(ceiling__isnull=True) | Q(ceiling__gte=0),
                name="ledger_account_ceiling_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(floor__isnull=True) | Q(floor__gte=-MINUTES_BOUND))
                & (Q(ceiling__isnull=True) | Q(ceiling__lte=MINUTES_BOUND)),
                name="ledger_account_limits_bounded",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="member",
                        membership__isnull=False,
                        organisation__isnull=True,
                        partner__isnull=True,
                    )
                    | Q(
                        kind="organisation",
                        membership__isnull=True,
                        organisation__isnull=False,
                        partner__isnull=True,
                    )
                    | Q(
                        kind__in=["issuance", "pot"],
                        membership__isnull=True,
                        organisation__isnull=True,
                        partner__isnull=True,
                    )
                    | Q(
                        kind="clearing",
                        membership__isnull=True,
                        organisation__isnull=True,
                        partner__isnull=False,
                    )
                ),
                name="ledger_account_owner_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(kind="member"),
                name="ledger_one_account_per_member",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(kind="organisation"),
                name="ledger_one_account_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["community", "kind"],
                condition=Q(kind__in=["issuance", "pot"]),
                name="ledger_one_issuance_and_pot_per_community",
            ),
            models.UniqueConstraint(
                fields=["community", "partner"],
                condition=Q(kind="clearing"),
                name="ledger_one_clearing_account_per_partner",
            ),
        ]

    def __str__(self) -> str:
        return str(self.owner_name)

    @property
    def balance(self) -> int:
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        """What limit checks use: the balance less what is on hold to pay out."""
        return self.credits_posted - self.debits_posted - self.debits_pending

    @property
    def most_can_pay(self) -> int | None:
        if self.floor is None:
            return None
        return max(self.available - self.floor, 0)

    @property
    def most_can_receive(self) -> int | None:
        if self.ceiling is None:
            return None
        return max(
            self.ceiling - (self.credits_posted + self.credits_pending - self.debits_posted), 0
        )

    @property
    def owner_name(self) -> Any:
        if self.kind == self.Kind.MEMBER and self.membership is not None:
            return str(self.membership)
        if self.kind == self.Kind.ORGANISATION and self.organisation is not None:
            return self.organisation.name
        if self.kind == self.Kind.CLEARING and self.partner is not None:
            return _("Clearing with %(community)s") % {"community": self.partner.name}
        return self.get_kind_display()


class CreditRule(models.Model):
    """One version of a community's rule for turning hours given into credits (Fureai Kippu).

    Versions are never edited: a coordinator adds a new version that applies from its start.
    Multipliers are integers per mille: 1000 = ×1, 1500 = ×1.5, 2000 = ×2.
    """

    class Stacking(models.TextChoices):
        MULTIPLY = "multiply", _("Multiply them (×2 and ×1.5 make ×3)")
        ADD = "add", _("Add the extra parts (×2 and ×1.5 make ×2.5)")
        HIGHEST = "highest", _("Use only the highest (×2 and ×1.5 make ×2)")

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="credit_rules",
        verbose_name=_("community"),
    )
    version = models.PositiveIntegerField(_("version"))
    starts_at = models.DateTimeField(_("applies from"))
    window_start = models.TimeField(_("usual hours start"), default="09:00")
    window_end = models.TimeField(_("usual hours end"), default="17:00")
    out_of_hours_per_mille = models.PositiveIntegerField(
        _("multiplier outside usual hours, per mille"), default=1000
    )
    category_per_mille = models.JSONField(
        _("multipliers by kind of help, per mille"), default=dict, blank=True
    )
    stacking = models.CharField(
        _("when several multipliers apply"),
        max_length=12,
        choices=Stacking.choices,
        default=Stacking.MULTIPLY,
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=now)

    class Meta:
        verbose_name = _("credit rule version")
        verbose_name_plural = _("credit rule versions")
        ordering = ["community", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "version"], name="ledger_credit_rule_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(out_of_hours_per_mille__gte=1), name="ledger_credit_rule_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} v{self.version}"


class Transfer(models.Model):
    """One movement of minutes from a debit account to a credit account. Never changed.

    A hold is a transfer in phase ``pending``; posting or voiding it adds a new transfer in phase
    ``post`` or ``void`` that points at it (at most one each, by a unique constraint). A
    correction is a new ``reversal`` transfer pointing at the original (at most one).
    """

    class Kind(models.TextChoices):
        EXCHANGE = "exchange", _("Exchange")
        AWARD = "award", _("Award")
        REDEMPTION = "redemption", _("Redemption")
        DONATION = "donation", _("Donation")
        GIFT = "gift", _("Gift")
        REVERSAL = "reversal", _("Reversal")
        INTER_COMMUNITY = "inter_community", _("Between communities")
        ADJUSTMENT = "adjustment", _("Adjustment")

    class Phase(models.TextChoices):
        POSTED = "posted", _("Done")
        PENDING = "pending", _("On hold")
        POST = "post", _("Hold confirmed")
        VOID = "void", _("Hold cancelled")

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="ledger_transfers",
        verbose_name=_("community"),
    )
    # No single-column index: ledger_transfer_debit_idx / _credit_idx (account, created_at) serve
    # every lookup by account, and each index is written on every transfer.
    debit = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="debits",
        verbose_name=_("from"),
        db_index=False,
    )
    credit = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="credits",
        verbose_name=_("to"),
        db_index=False,
    )
    minutes = models.PositiveBigIntegerField(_("credits, in minutes"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices, default=Phase.POSTED)
    pending = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolution",
        verbose_name=_("hold resolved"),
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name=_("reverses"),
    )
    memo = models.CharField(_("note"), max_length=500, blank=True)
    minutes_given = models.PositiveIntegerField(_("time given, in minutes"), null=True, blank=True)
    given_at = models.DateTimeField(_("when the time was given"), null=True, blank=True)
    category = models.CharField(_("kind of help"), max_length=60, blank=True)
    credit_rule = models.ForeignKey(
        CreditRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
        verbose_name=_("credit rule version"),
    )
    # What caused it (an exchange, a referral, an event), by app label and primary key; a loose
    # reference because a foreign key with SET_NULL would need an UPDATE, which is refused.
    cause_type = models.CharField(_("cause"), max_length=60, blank=True)
    cause_id = models.PositiveBigIntegerField(_("cause number"), null=True, blank=True)
    operator = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    for_member = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    idempotency_key = models.UUIDField(_("idempotency key"), null=True, blank=True)
    batch_id = models.UUIDField(_("batch"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("recorded"), default=now, db_index=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0), name="ledger_transfer_minutes_positive"
            ),
            models.CheckConstraint(
                condition=Q(minutes__lte=MINUTES_BOUND)
                & (Q(minutes_given__isnull=True) | Q(minutes_given__lte=MINUTES_BOUND)),
                name="ledger_transfer_minutes_bounded",
            ),
            models.CheckConstraint(
                condition=~Q(debit=F("credit")), name="ledger_transfer_debit_is_not_credit"
            ),
            models.CheckConstraint(
                condition=Q(phase__in=["post", "void"], pending__isnull=False)
                | Q(phase__in=["posted", "pending"], pending__isnull=True),
                name="ledger_transfer_resolution_names_its_hold",
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="ledger_transfer_reversal_names_original",
            ),
            models.UniqueConstraint(
                fields=["community", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="ledger_transfer_idempotency_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["debit", "created_at"], name="ledger_transfer_debit_idx"),
            models.Index(fields=["credit", "created_at"], name="ledger_transfer_credit_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.minutes} min"

    @property
    def moves_posted_balance(self) -> bool:
        return self.phase in (self.Phase.POSTED, self.Phase.POST)


class AccountLimitChange(models.Model):
    """The log of every change a coordinator makes to an account's floor or ceiling."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="limit_changes")
    changed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    old_floor = models.BigIntegerField(null=True, blank=True)
    new_floor = models.BigIntegerField(null=True, blank=True)
    old_ceiling = models.BigIntegerField(null=True, blank=True)
    new_ceiling = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name = _("account limit change")
        verbose_name_plural = _("account limit changes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        floors = f"{self.old_floor}→{self.new_floor}"
        return f"{self.account}: floor {floors}, ceiling {self.old_ceiling}→{self.new_ceiling}"


class CommunityLink(models.Model):
    """Two communities agree to let members give credits across. Limits are per direction.

    ``community`` proposed the link; ``partner`` accepts it. Either side may pause it.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the other community to agree")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="ledger_links_made",
        verbose_name=_("proposed by"),
    )
    partner = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="ledger_links_received",
        verbose_name=_("partner"),
    )
    limit_to_partner = models.PositiveBigIntegerField(
        _("most minutes that may flow to the partner, net")
    )
    limit_from_partner = models.PositiveBigIntegerField(
        _("most minutes that may flow from the partner, net")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("link between communities")
        verbose_name_plural = _("links between communities")
        constraints = [
            models.CheckConstraint(
                condition=~Q(community=F("partner")), name="ledger_link_between_two_communities"
            ),
            models.UniqueConstraint(fields=["community", "partner"], name="ledger_link_unique"),
            models.CheckConstraint(
                condition=Q(limit_to_partner__lte=MINUTES_BOUND)
                & Q(limit_from_partner__lte=MINUTES_BOUND),
                name="ledger_link_limits_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} ↔ {self.partner}"

    def other(self, community_id: int) -> Community:
        return self.partner if community_id == self.community_id else self.community

    def limit_from(self, community_id: int) -> int:
        """The most minutes that may flow, net, out of the given side."""
        return (
            self.limit_to_partner if community_id == self.community_id else self.limit_from_partner
        )

    def limit_to(self, community_id: int) -> int:
        return (
            self.limit_from_partner if community_id == self.community_id else self.limit_to_partner
        )
