"""Demo communities modelled on the nef/NESTA report, with made-up people.

Three schemes: a GP-surgery time bank (after Paxton Green), a housing association's
time-credit network with partners (after Taff Housing and Spice), and a parent-run nursery
(after Caol Nursery, parents on duty every fifth day).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from coproduce.communities import hooks, services
from coproduce.communities.models import Community, Membership, Organisation
from coproduce.people import services as people_services
from coproduce.people.models import Profile, User

DEMO_PASSWORD = "coproduce-demo"  # noqa: S105 - printed on screen for the demo only


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    roles: tuple[str, ...] = ("member",)
    has_login: bool = True
    organisation: str = ""
    pronouns: str = ""
    languages: str = "English"
    contact: str = Profile.ContactPreference.EMAIL
    phone: str = ""
    needs: str = ""


@dataclass(frozen=True)
class DemoCommunity:
    slug: str
    name: str
    kind: str
    description: str
    language: str = "en"
    uses_mutual_credit: bool = True
    uses_issued_credits: bool = False
    default_floor_minutes: int | None = -600
    organisations: tuple[tuple[str, str, str], ...] = ()
    people: tuple[DemoPerson, ...] = field(default_factory=tuple)


COMMUNITIES = (
    DemoCommunity(
        slug="paxton-green",
        name="Paxton Green Time Bank",
        kind=Community.Kind.TIME_BANK,
        description=(
            "A time bank run from our GP surgery. Patients and neighbours swap help: an hour "
            "given is an hour you can receive. Doctors can suggest a friendly visit instead "
            "of a prescription."
        ),
        organisations=(
            (
                "Paxton Green Group Practice",
                Organisation.Kind.HEALTH,
                "Our home: the surgery refers patients to the time bank.",
            ),
        ),
        people=(
            DemoPerson("coordinator", "Becky Osei", ("member", "coordinator"), pronouns="she/her"),
            DemoPerson(
                "gp",
                "Dr Sam Patel",
                ("member", "referrer", "partner"),
                organisation="Paxton Green Group Practice",
                pronouns="he/him",
            ),
            DemoPerson(
                "member",
                "Agnes Doyle",
                languages="English, Irish",
                needs="I use a walking frame; ground-floor rooms please.",
            ),
            DemoPerson("member2", "Tunde Adebayo", languages="English, Yoruba"),
            DemoPerson(
                "nologin",
                "Vera Lumley",
                has_login=False,
                contact=Profile.ContactPreference.PHONE,
                phone="020 7946 0012",
                needs="Hard of hearing: please call slowly, or visit.",
            ),
            DemoPerson("member3", "Marek Nowak", languages="English, Polish"),
        ),
    ),
    DemoCommunity(
        slug="taff-time-credits",
        name="Taff Tenants' Time Credits",
        kind=Community.Kind.TIME_CREDIT_NETWORK,
        language="cy",
        description=(
            "Tenants earn time credits for helping run their housing association – the tenants' "
            "panel, newsletters, gardening – and spend them at the sports centre, the cinema "
            "and on trips."
        ),
        uses_mutual_credit=False,
        uses_issued_credits=True,
        default_floor_minutes=0,
        organisations=(
            (
                "Taff Housing Association",
                Organisation.Kind.HOUSING,
                "Awards credits to tenants who help run the association.",
            ),
            (
                "Canton Sports Centre",
                Organisation.Kind.LEISURE,
                "Accepts one credit for an hour's swim or gym session.",
            ),
            (
                "Chapter Arts Cinema",
                Organisation.Kind.LEISURE,
                "Accepts credits for film tickets on weekday afternoons.",
            ),
        ),
        people=(
            DemoPerson(
                "coordinator",
                "Gwen Morgan",
                ("member", "coordinator", "admin"),
                languages="Cymraeg, English",
                pronouns="hi/she",
            ),
            DemoPerson(
                "housing",
                "Rhys Evans",
                ("partner",),
                organisation="Taff Housing Association",
                languages="Cymraeg, English",
            ),
            DemoPerson(
                "sports",
                "Leila Hassan",
                ("partner",),
                organisation="Canton Sports Centre",
                languages="English, Arabic",
            ),
            DemoPerson("member", "Dafydd Jones", languages="Cymraeg, English"),
            DemoPerson("member2", "Shanice Williams"),
            DemoPerson("observer", "Anwen Price", ("observer",), languages="Cymraeg, English"),
        ),
    ),
    DemoCommunity(
        slug="caol-nursery",
        name="Caol Parents' Nursery",
        kind=Community.Kind.SERVICE,
        description=(
            "A nursery run with its parents. Each parent is on duty one day in five, and helps "
            "with cooking, outings and the garden. Staff and parents decide together."
        ),
        default_floor_minutes=-1200,
        organisations=(
            (
                "Caol Community Centre",
                Organisation.Kind.CHARITY,
                "Lends the hall for the nursery's open days.",
            ),
        ),
        people=(
            DemoPerson("coordinator", "Morag MacLeod", ("member", "coordinator")),
            DemoPerson("member", "Jamie Cameron", pronouns="they/them"),
            DemoPerson("member2", "Eilidh Grant", languages="English, Gàidhlig"),
            DemoPerson("member3", "Callum Fraser"),
            DemoPerson(
                "nologin",
                "Isla Munro",
                has_login=False,
                contact=Profile.ContactPreference.COORDINATOR,
            ),
        ),
    ),
)


@dataclass
class DemoLogin:
    community: str
    name: str
    email: str
    roles: str


@dataclass
class DemoResult:
    logins: list[DemoLogin] = field(default_factory=list)
    created: bool = True


def demo_email(community: DemoCommunity, person: DemoPerson) -> str:
    return f"{person.key}@{community.slug}.demo.coproduce.org"


def _roles(person: DemoPerson) -> dict[str, bool]:
    return {f"is_{role}": role in person.roles for role in ROLES}


ROLES = ("member", "coordinator", "partner", "referrer", "observer", "admin")


def _community_build(spec: DemoCommunity) -> tuple[Community, dict[str, Membership]]:
    """The community as an operator and its coordinator would make it, through the services:
    the operator creates it with its coordinator, who adds the partner organisations, the
    people with logins and those without, and fills in their profiles."""
    founder_spec = spec.people[0]
    founder_user = people_services.user_create_within(
        email=demo_email(spec, founder_spec), password=DEMO_PASSWORD, name=founder_spec.name
    )
    community = services.community_create_within(
        name=spec.name,
        slug=spec.slug,
        kind=spec.kind,
        founder=founder_user,
        founder_is_admin="admin" in founder_spec.roles,
        description=spec.description,
        language=spec.language,
        uses_mutual_credit=spec.uses_mutual_credit,
        uses_issued_credits=spec.uses_issued_credits,
        default_floor_minutes=spec.default_floor_minutes,
    )
    # The founder is a member and coordinator (and administrator if the demo says so).
    coordinator = Membership.objects.get(community=community, user=founder_user)
    organisations = {
        name: services.organisation_create_within(
            actor=coordinator, name=name, kind=kind, description=description
        )
        for name, kind, description in spec.organisations
    }
    memberships: dict[str, Membership] = {founder_spec.key: coordinator}
    for person in spec.people[1:]:
        if person.has_login:
            memberships[person.key] = services.membership_add_within(
                actor=coordinator,
                user=people_services.user_create_within(
                    email=demo_email(spec, person), password=DEMO_PASSWORD, name=person.name
                ),
                display_name=person.name,
                organisation=organisations.get(person.organisation),
                **_roles(person),
            )
        else:
            memberships[person.key] = services.member_register_within(
                actor=coordinator, display_name=person.name
            )
    for person in spec.people:
        member = memberships[person.key]
        member.profile = services.profile_update_within(
            actor=coordinator,
            member=member,
            pronouns=person.pronouns,
            languages=person.languages,
            contact_preference=person.contact,
            phone=person.phone,
            accessibility_needs=person.needs,
        )
    demo_extend(community, memberships, organisations)
    return community, memberships


@transaction.atomic
def demo_build() -> DemoResult:
    """Create the demo communities once; running it again only lists the logins."""
    result = DemoResult()
    result.created = not Community.objects.filter(slug=COMMUNITIES[0].slug).exists()
    for spec in COMMUNITIES:
        if not Community.objects.filter(slug=spec.slug).exists():
            _community_build(spec)
        emails = {demo_email(spec, person) for person in spec.people}
        users = {user.email: user for user in User.objects.filter(email__in=emails)}
        for person in spec.people:
            user = users.get(demo_email(spec, person)) if person.has_login else None
            if user is not None:
                result.logins.append(
                    DemoLogin(spec.name, person.name, user.email, ", ".join(person.roles))
                )
    return result


def demo_extend(
    community: Community, memberships: dict[str, Membership], organisations: dict[str, Organisation]
) -> None:
    """What other apps add to a new demo community (a year of time credits, ...), through the
    ``demo_community_built`` hook they register.

    tests/test_tenancy.py calls this too, so whatever a later app adds here is walked as
    another community's data.
    """
    hooks.demo_community_built.run(
        hooks.DemoCommunityBuilt(
            community=community, memberships=memberships, organisations=organisations
        )
    )
