"""A Community is one co-production scheme and the unit of isolation between tenants."""

from __future__ import annotations

import secrets
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a time zone we know."), params={"value": value})


class Community(models.Model):
    class Kind(models.TextChoices):
        TIME_BANK = "time_bank", _("Time bank")
        TIME_CREDIT_NETWORK = "time_credit_network", _("Time-credit network")
        SERVICE = "service", _("Co-produced service")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("web address name"), max_length=60, unique=True)
    kind = models.CharField(_("kind of scheme"), max_length=24, choices=Kind.choices)
    description = models.TextField(_("about this community"), max_length=2000, blank=True)
    language = models.CharField(
        _("main language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/London", validators=[validate_timezone]
    )
    accepts_join_requests = models.BooleanField(
        _("people can ask to join"),
        default=True,
        help_text=_("If not, people can only join with an invitation link."),
    )
    # Ledger settings, used as defaults when accounts are opened.
    uses_mutual_credit = models.BooleanField(
        _("members may go below zero (mutual credit)"), default=True
    )
    uses_issued_credits = models.BooleanField(
        _("the community awards credits for contributions (issued credits)"), default=False
    )
    default_floor_minutes = models.IntegerField(
        _("lowest balance a member may reach, in minutes"),
        null=True,
        blank=True,
        default=-600,
        help_text=_("For example −600 for minus ten hours. Leave empty for no limit."),
    )
    default_ceiling_minutes = models.IntegerField(
        _("highest balance a member may reach, in minutes"), null=True, blank=True
    )
    exchange_auto_confirm_days = models.PositiveSmallIntegerField(
        _("days before recorded hours are confirmed automatically"), default=7
    )
    created_at = models.DateTimeField(_("created"), default=now)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_floor_minutes__isnull=True) | Q(default_floor_minutes__lte=0),
                name="community_floor_not_positive",
            ),
            models.CheckConstraint(
                condition=Q(default_ceiling_minutes__isnull=True)
                | Q(default_ceiling_minutes__gte=0),
                name="community_ceiling_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:home", kwargs={"community": self.slug})


class Organisation(models.Model):
    """A partner inside a community: a surgery, a library, a sports centre, a landlord."""

    class Kind(models.TextChoices):
        HEALTH = "health", _("Health (GP surgery, clinic)")
        HOUSING = "housing", _("Housing")
        COUNCIL = "council", _("Council or public body")
        EDUCATION = "education", _("School, nursery or college")
        LEISURE = "leisure", _("Leisure, sport or culture")
        CHARITY = "charity", _("Charity or community group")
        BUSINESS = "business", _("Local business")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="organisations",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(_("what they do with us"), max_length=2000, blank=True)
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(_("created"), default=now)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="organisation_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    COORDINATOR = "coordinator", _("Coordinator")
    PARTNER = "partner", _("Partner staff")
    REFERRER = "referrer", _("Referrer")
    OBSERVER = "observer", _("Observer")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})


class Membership(models.Model):
    """A person in a community, with roles that combine. The person may have no login."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Asked to join")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Not accepted")
        LEFT = "left", _("Left")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("community")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("login"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    is_member = models.BooleanField(_("member"), default=True)
    is_coordinator = models.BooleanField(_("coordinator"), default=False)
    is_partner = models.BooleanField(_("partner staff"), default=False)
    is_referrer = models.BooleanField(_("referrer"), default=False)
    is_observer = models.BooleanField(_("observer"), default=False)
    is_admin = models.BooleanField(_("administrator"), default=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("organisation"),
    )
    join_message = models.TextField(
        _("message with the request to join"), max_length=1000, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    decided_at = models.DateTimeField(_("request decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("request decided by"),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=Q(user__isnull=False),
                name="membership_one_per_user_and_community",
            ),
            models.CheckConstraint(
                condition=Q(is_partner=False) | Q(organisation__isnull=False),
                name="membership_partner_has_organisation",
            ),
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        profile = getattr(self, "profile", None)
        return profile.display_name if profile else f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse(
            "communities:member_detail", kwargs={"community": self.community.slug, "pk": self.pk}
        )

    @property
    def roles(self) -> list[Role]:
        flags = {
            Role.MEMBER: self.is_member,
            Role.COORDINATOR: self.is_coordinator,
            Role.PARTNER: self.is_partner,
            Role.REFERRER: self.is_referrer,
            Role.OBSERVER: self.is_observer,
            Role.ADMIN: self.is_admin,
        }
        return [role for role, held in flags.items() if held]

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_staff_role(self) -> bool:
        return self.is_coordinator or self.is_admin

    @property
    def has_login(self) -> bool:
        return self.user_id is not None


def _invitation_token() -> str:
    return secrets.token_urlsafe(24)


def _invitation_expiry() -> datetime:
    return now() + timedelta(days=30)


class Invitation(models.Model):
    """A link that lets someone join a community directly, with the roles it names."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("community")
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    email = models.EmailField(
        _("email address"),
        blank=True,
        help_text=_("Optional. If given, we send the link there."),
    )
    note = models.CharField(_("who it is for"), max_length=120, blank=True)
    as_coordinator = models.BooleanField(_("join as a coordinator"), default=False)
    as_referrer = models.BooleanField(_("join as a referrer"), default=False)
    max_uses = models.PositiveIntegerField(_("how many people can use it"), default=1)
    uses = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(_("expires"), default=_invitation_expiry)
    created_at = models.DateTimeField(default=now)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(uses__lte=models.F("max_uses")), name="invitation_uses_within_max"
            ),
        ]

    def __str__(self) -> str:
        return self.note or self.email or self.token[:8]

    def get_absolute_url(self) -> str:
        return reverse("directory:invitation_accept", kwargs={"token": self.token})

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.uses < self.max_uses and self.expires_at > now()
