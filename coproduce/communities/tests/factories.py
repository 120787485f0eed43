"""factory_boy factories for communities and people, shared by every app's tests."""

from __future__ import annotations

import factory
from django.db import transaction
from factory.django import DjangoModelFactory

from coproduce.communities.hooks import membership_activated
from coproduce.communities.models import Community, Membership, Organisation
from coproduce.people.models import Profile, User

TEST_PASSWORD = "correct horse battery staple 42"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: object, **kwargs: object) -> None:
        """Users made by the factory have a verified primary address, as after sign-up."""
        if not create:
            return
        from allauth.account.models import EmailAddress

        self.save()
        EmailAddress.objects.get_or_create(
            user=self, email=self.email, defaults={"verified": True, "primary": True}
        )


class CommunityFactory(DjangoModelFactory[Community]):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    kind = Community.Kind.TIME_BANK


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.CHARITY


class MembershipFactory(DjangoModelFactory[Membership]):
    """An active member with a login and a profile; pass user=None for a member without one.

    The ledger account is opened the way the services open it, so tests see what users see.
    """

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    status = Membership.Status.ACTIVE

    @factory.post_generation
    def profile(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        display_name = kwargs.get("display_name") or (
            self.user.name if self.user is not None else f"Member {self.pk}"
        )
        with transaction.atomic():  # the hook runs inside the caller's transaction
            Profile.objects.create(membership=self, display_name=str(display_name)[:80])
            if self.status == Membership.Status.ACTIVE:
                membership_activated.run(self)


class CoordinatorFactory(MembershipFactory):
    is_coordinator = True
