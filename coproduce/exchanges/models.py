"""Categories of help, listings (offers and requests) and exchanges with their messages.

An exchange is an arrangement between a member who gives time and a member who receives it.
Its hours are recorded in the ledger as a hold (the receiver pays the giver) that the other side
confirms; only ``coproduce.ledger.services`` touches the ledger.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from coproduce.communities.models import Community, Membership

MAX_EXCHANGE_MINUTES = 24 * 60


class Category(models.Model):
    """A kind of help in one community. Its slug is what the ledger's credit rules name."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="categories", verbose_name=_("community")
    )
    slug = models.SlugField(_("short name"), max_length=60)
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("kind of help")
        verbose_name_plural = _("kinds of help")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="exchanges_category_slug"),
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        """The default categories are shown in the reader's language."""
        from coproduce.exchanges.categories import DEFAULT_NAMES

        default = DEFAULT_NAMES.get(self.slug)
        if default is not None and default[0] == self.name:
            return str(default[1])
        return self.name


class Listing(models.Model):
    """An offer of help or a request for it."""

    class Kind(models.TextChoices):
        OFFER = "offer", _("Offer")
        REQUEST = "request", _("Request")

    class Place(models.TextChoices):
        MY_HOME = "my_home", _("At my home")
        YOUR_HOME = "your_home", _("At your home")
        VENUE = "venue", _("At a venue")
        ONLINE = "online", _("Online")
        PHONE = "phone", _("By phone")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="listings", verbose_name=_("community")
    )
    owner = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="listings", verbose_name=_("member")
    )
    kind = models.CharField(_("offer or request"), max_length=8, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="listings", verbose_name=_("kind of help")
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    place = models.CharField(_("where"), max_length=12, choices=Place.choices)
    venue = models.CharField(_("venue"), max_length=120, blank=True)
    when = models.CharField(_("when"), max_length=120, blank=True)
    starts_at = models.DateTimeField(_("date and time"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("how many people can take part"), default=1)
    expires_at = models.DateTimeField(_("open until"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    # Lower-case title, description, category and owner's tags: what search reads. On SQLite an
    # FTS5 table mirrors it through triggers; on PostgreSQL trigram and full-text GIN indexes.
    search_text = models.TextField(editable=False, default="")
    renewal_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created"), default=now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=100), name="exchanges_listing_capacity"
            ),
        ]
        indexes = [
            models.Index(
                fields=["community", "status", "expires_at"], name="exchanges_listing_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "exchanges:listing_detail", kwargs={"community": self.community.slug, "pk": self.pk}
        )

    @property
    def is_group(self) -> bool:
        return self.capacity > 1

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and self.expires_at > now()


class Exchange(models.Model):
    """One arrangement: asked or proposed → agreed → recorded (pending) → confirmed."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Being arranged")
        AGREED = "agreed", _("Date agreed")
        RECORDED = "recorded", _("Hours recorded, waiting to be confirmed")
        CONFIRMED = "confirmed", _("Done and confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="exchanges", verbose_name=_("community")
    )
    listing = models.ForeignKey(
        Listing,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchanges",
        verbose_name=_("listing"),
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind of help")
    )
    title = models.CharField(_("what it is"), max_length=120)
    giver = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="+", verbose_name=_("giving time")
    )
    receiver = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="+", verbose_name=_("receiving help")
    )
    started_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    agreed_for = models.DateTimeField(_("agreed date and time"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("time given, in minutes"), null=True, blank=True)
    given_at = models.DateTimeField(_("when the time was given"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hours recorded for"),
    )
    recorded_at = models.DateTimeField(_("hours recorded"), null=True, blank=True)
    record_key = models.UUIDField(_("request key of the recording"), null=True, blank=True)
    transfer = models.OneToOneField(
        "ledger.Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("time-credit transfer"),
    )
    batch_id = models.UUIDField(_("group exchange"), null=True, blank=True, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("started"), default=now, db_index=True)
    updated_at = models.DateTimeField(_("last change"), default=now, db_index=True)

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(giver=F("receiver")), name="exchanges_exchange_two_people"
            ),
            models.CheckConstraint(
                condition=Q(minutes__isnull=True)
                | Q(minutes__gte=1, minutes__lte=MAX_EXCHANGE_MINUTES),
                name="exchanges_exchange_minutes_in_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "agreed", "cancelled"])
                | Q(minutes__isnull=False, recorded_at__isnull=False),
                name="exchanges_exchange_recorded_has_minutes",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "recorded_at"], name="exchanges_due_idx"),
            models.Index(fields=["giver", "-updated_at"], name="exchanges_giver_idx"),
            models.Index(fields=["receiver", "-updated_at"], name="exchanges_receiver_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "exchanges:exchange_detail", kwargs={"community": self.community.slug, "pk": self.pk}
        )

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PROPOSED, self.Status.AGREED)

    def other_side(self, member: Membership) -> Membership:
        return self.receiver if member.pk == self.giver_id else self.giver

    def is_party(self, member: Membership) -> bool:
        return member.pk in (self.giver_id, self.receiver_id)


class ExchangeEvent(models.Model):
    """A message or a step in an exchange's thread, with who acted for whom."""

    class Kind(models.TextChoices):
        ASKED = "asked", _("asked for help")
        OFFERED = "offered", _("offered to help")
        MESSAGE = "message", _("wrote")
        AGREED = "agreed", _("agreed a date")
        RECORDED = "recorded", _("recorded the hours")
        CONFIRMED = "confirmed", _("confirmed the hours")
        AUTO_CONFIRMED = "auto_confirmed", _("hours confirmed automatically")
        CANCELLED = "cancelled", _("cancelled")
        THANKED = "thanked", _("said thank you")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    exchange = models.ForeignKey(
        Exchange, on_delete=models.CASCADE, related_name="events", verbose_name=_("exchange")
    )
    kind = models.CharField(_("what happened"), max_length=16, choices=Kind.choices)
    author = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from"),
    )
    operator = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    text = models.TextField(_("message"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("when"), default=now)

    class Meta:
        verbose_name = _("exchange message")
        verbose_name_plural = _("exchange messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["exchange", "created_at"], name="exchanges_event_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.exchange_id}"

    @property
    def is_assisted(self) -> bool:
        return self.operator_id is not None and self.operator_id != self.author_id


class Concern(models.Model):
    """A worry about an exchange, seen only by the community's coordinators. No ratings."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    exchange = models.ForeignKey(
        Exchange, on_delete=models.CASCADE, related_name="concerns", verbose_name=_("exchange")
    )
    raised_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    operator = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    text = models.TextField(_("what worries you"), max_length=2000)
    created_at = models.DateTimeField(_("when"), default=now)
    resolved_at = models.DateTimeField(_("dealt with"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dealt with by"),
    )
    resolution = models.TextField(_("what was done"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk}"
