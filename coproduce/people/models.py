"""The login (User, signing in by email) and a person's Profile in one community."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who can sign in. Members helped by a coordinator may have no User at all."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    is_staff = models.BooleanField(
        _("operator"), default=False, help_text=_("Can use the operators' admin site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="people_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]


class Profile(models.Model):
    """How a person shows up in one community. Every membership has exactly one profile."""

    class ContactPreference(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone call")
        TEXT = "text", _("Text message")
        POST = "post", _("Letter by post")
        COORDINATOR = "coordinator", _("Through a coordinator")

    membership = models.OneToOneField(
        "communities.Membership",
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("membership"),
    )
    display_name = models.CharField(
        _("name to show"),
        max_length=80,
        help_text=_("The name other people in this community see."),
    )
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    languages = models.CharField(
        _("languages you speak"),
        max_length=200,
        blank=True,
        help_text=_("For example: English, Welsh, British Sign Language."),
    )
    contact_preference = models.CharField(
        _("how you like to be contacted"),
        max_length=16,
        choices=ContactPreference.choices,
        default=ContactPreference.EMAIL,
    )
    phone = models.CharField(_("phone number"), max_length=40, blank=True)
    accessibility_needs = models.TextField(
        _("anything that helps you take part"),
        max_length=2000,
        blank=True,
        help_text=_(
            "For example: large print, a quiet room, step-free access, someone to come with you."
        ),
    )
    # Assets first: what someone can give comes before what they need (Local Area
    # Co-ordination asks "what would a good life look like for you?", not "what service?").
    gives_categories = models.JSONField(_("kinds of help you can give"), default=list, blank=True)
    gives_tags = models.CharField(
        _("skills and passions, in your own words"),
        max_length=300,
        blank=True,
        help_text=_("Separate them with commas. For example: baking, Polish, fixing bikes."),
    )
    needs_categories = models.JSONField(_("kinds of help you would like"), default=list, blank=True)
    good_life = models.TextField(
        _("what a good life looks like for you"), max_length=2000, blank=True
    )
    availability = models.JSONField(_("when you are usually free"), default=list, blank=True)
    availability_note = models.CharField(
        _("anything else about when you are free"), max_length=200, blank=True
    )
    neighbourhood = models.CharField(_("neighbourhood"), max_length=80, blank=True)
    # Rounded to 0.01° (about 1 km) before it is stored, and only ever used to work out
    # distances: never shown to anyone.
    approx_latitude = models.DecimalField(
        _("approximate latitude"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    approx_longitude = models.DecimalField(
        _("approximate longitude"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    # Who may see each group of fields: {"gives": "members", "good_life": "coordinators", ...}.
    visibility = models.JSONField(_("who can see what"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(approx_latitude__isnull=True, approx_longitude__isnull=True)
                    | models.Q(
                        approx_latitude__gte=-90,
                        approx_latitude__lte=90,
                        approx_longitude__gte=-180,
                        approx_longitude__lte=180,
                    )
                ),
                name="people_profile_location_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def visible_to(self, group: str) -> str:
        """The audience ("coordinators", "members" or "public") for one group of fields."""
        return str(self.visibility.get(group) or PROFILE_VISIBILITY_DEFAULTS[group])

    def parts_seen_by(self, audience: str) -> frozenset[str]:
        """The groups of fields this person opened to ``audience`` or to a wider one.
        Which audience a viewer belongs to is the communities app's question
        (``communities.selectors.profile_visible_parts``, the one place that decides)."""
        reach = AUDIENCE_REACH[audience]
        return frozenset(
            group
            for group in PROFILE_VISIBILITY_DEFAULTS
            if AUDIENCE_REACH[self.visible_to(group)] >= reach
        )

    @property
    def has_location(self) -> bool:
        return self.approx_latitude is not None and self.approx_longitude is not None


class Visibility(models.TextChoices):
    """Who may see a group of profile fields. The person and coordinators always can."""

    COORDINATORS = "coordinators", _("Only coordinators")
    MEMBERS = "members", _("Members of this community")
    PUBLIC = "public", _("Anyone")


# Groups of profile fields with their own privacy setting, and who sees them by default.
PROFILE_VISIBILITY_DEFAULTS: dict[str, str] = {
    "gives": Visibility.MEMBERS,
    "needs": Visibility.MEMBERS,
    "good_life": Visibility.COORDINATORS,
    "availability": Visibility.MEMBERS,
    "languages": Visibility.MEMBERS,
    "neighbourhood": Visibility.MEMBERS,
}

# How wide each audience is: a part opened to a wider audience is seen by the narrower ones.
AUDIENCE_REACH: dict[str, int] = {
    Visibility.COORDINATORS: 0,
    Visibility.MEMBERS: 1,
    Visibility.PUBLIC: 2,
}

# The fields in each group. Roughly where someone lives belongs with their neighbourhood: it is
# never shown to others, and distances to it are worked out only for viewers who may see the
# neighbourhood.
PROFILE_PART_FIELDS: dict[str, tuple[str, ...]] = {
    "gives": ("gives_categories", "gives_tags"),
    "needs": ("needs_categories",),
    "good_life": ("good_life",),
    "availability": ("availability", "availability_note"),
    "languages": ("languages",),
    "neighbourhood": ("neighbourhood", "approx_latitude", "approx_longitude"),
}

# Fields only the person and their coordinators see, whatever the privacy settings say.
PROFILE_PRIVATE_FIELDS: tuple[str, ...] = (
    "phone",
    "accessibility_needs",
    "approx_latitude",
    "approx_longitude",
    "visibility",
)

# Parts of the week someone can say they are free: "mon-morning" … "sun-evening".
WEEKDAYS = (
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
)
DAY_PARTS = (("morning", _("morning")), ("afternoon", _("afternoon")), ("evening", _("evening")))
AVAILABILITY_SLOTS = tuple(f"{day}-{part}" for day, _label in WEEKDAYS for part, _p in DAY_PARTS)
# Lazy labels ("Monday morning"), so each page shows them in its reader's language; the order of
# day and part is the translator's to choose.
AVAILABILITY_CHOICES = tuple(
    (
        f"{day}-{part}",
        format_lazy(_("{day} {part}"), day=day_label, part=part_label),
    )
    for day, day_label in WEEKDAYS
    for part, part_label in DAY_PARTS
)
