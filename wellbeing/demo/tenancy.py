"""Demo organisations, schools, staff rosters and one login per role.

Northbrook Learning Trust is the demo proper: eight sites of different phases and sizes (one with
six staff, to show small-school reporting), about four hundred staff and a person for every role.
Riverside District is a second, tiny organisation with its own admin, to show that organisations
never see each other.

The rosters are generated, not stored: Faker's British names and a seeded random generator, so
every run (and every machine) makes the same people.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.contrib.auth import get_user_model

from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Membership, Organisation, Role, School, StaffMember

from . import DEMO_PASSWORD, Demo, DemoLogin

# Start years are counted back from a fixed year, not today, so the data does not drift.
REFERENCE_YEAR = 2025
LOGIN_DOMAIN = "demo.staffwell.test"

Category = StaffMember.JobCategory
Phase = School.Phase


@dataclass(frozen=True)
class DemoSchool:
    name: str
    phase: str
    staff: int


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    kind: str
    support_contacts: str
    schools: tuple[DemoSchool, ...]
    staff_email_domain: str
    seed: int


NORTHBROOK = DemoOrganisation(
    slug="northbrook",
    name="Northbrook Learning Trust",
    kind=Organisation.Kind.TRUST,
    support_contacts=(
        "Employee assistance programme (free, confidential, 24 hours a day): 0808 157 0192, "
        "or https://eap.northbrook.example with the code NORTHBROOK.\n"
        "Occupational health referrals: through your line manager or hr@northbrook.example.\n"
        "Trust wellbeing lead: Priya Natarajan, wellbeing@northbrook.example.\n"
        "In an emergency call 999; for urgent medical help that is not an emergency, NHS 111."
    ),
    schools=(
        DemoSchool("Northbrook Trust Central Office", Phase.CENTRAL, 14),
        DemoSchool("Ashdown Primary School", Phase.PRIMARY, 38),
        DemoSchool("Hollins Park Primary School", Phase.PRIMARY, 46),
        DemoSchool("Little Fenwick Church of England Primary School", Phase.PRIMARY, 6),
        DemoSchool("Marsh Lane Infant School", Phase.PRIMARY, 22),
        DemoSchool("Northbrook Academy", Phase.SECONDARY, 128),
        DemoSchool("St Aidan's High School", Phase.SECONDARY, 104),
        DemoSchool("Brookside Special School", Phase.SPECIAL, 48),
    ),
    staff_email_domain="northbrook.example",
    seed=20250901,
)

RIVERSIDE = DemoOrganisation(
    slug="riverside",
    name="Riverside District",
    kind=Organisation.Kind.DISTRICT,
    support_contacts="Employee assistance programme: 0808 157 0457, any time.",
    schools=(
        DemoSchool("Riverside District Office", Phase.CENTRAL, 3),
        DemoSchool("Riverside Elementary School", Phase.PRIMARY, 9),
    ),
    staff_email_domain="riverside.example",
    seed=20250902,
)

ORGANISATIONS = (NORTHBROOK, RIVERSIDE)

# The school of the demo school lead and governor (and of the demo staff member).
DEMO_SCHOOL = "Hollins Park Primary School"

LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("northbrook", Role.ORGANISATION_ADMIN, f"organisation_admin@{LOGIN_DOMAIN}",
              "Morgan Hale", totp_secret="W6VNCPXGU2E73CVXU4CMQKAB2JYCZNMT"),
    DemoLogin("northbrook", Role.ORGANISATION_LEAD, f"organisation_lead@{LOGIN_DOMAIN}",
              "Priya Natarajan", totp_secret="XRANN3E244PGMPLM723XN2LD3AUEUGEK"),
    DemoLogin("northbrook", Role.SCHOOL_LEAD, f"school_lead@{LOGIN_DOMAIN}",
              "Tom Ashworth", DEMO_SCHOOL, totp_secret="TTDQ4BKB3BPOTLRPDKHTPMQUF7PY447I"),
    DemoLogin("northbrook", Role.TRUSTEE, f"trustee@{LOGIN_DOMAIN}", "Margaret Oyelaran"),
    DemoLogin("northbrook", Role.GOVERNOR, f"governor@{LOGIN_DOMAIN}", "David Kerr", DEMO_SCHOOL),
    DemoLogin("northbrook", Role.PARTNER, f"partner@{LOGIN_DOMAIN}", "Siân Pryce"),
    DemoLogin("northbrook", Role.STAFF, f"staff@{LOGIN_DOMAIN}", "Jamie Fletcher"),
    DemoLogin("riverside", Role.ORGANISATION_ADMIN, f"riverside_admin@{LOGIN_DOMAIN}",
              "Dana Whitfield", totp_secret="AJDOIXBXM2INBWLC5TTATPAMGN35IAYJ"),
)

# Shares of each job category by phase, after England's school workforce census: primary and
# special schools employ many teaching assistants, secondaries more teachers, the central
# office mostly administration and support.
JOB_MIX = {
    Phase.PRIMARY: {Category.LEADER: 8, Category.TEACHER: 40, Category.TEACHING_ASSISTANT: 30,
                    Category.SUPPORT: 14, Category.ADMINISTRATION: 8},
    Phase.SECONDARY: {Category.LEADER: 7, Category.TEACHER: 55, Category.TEACHING_ASSISTANT: 12,
                      Category.SUPPORT: 16, Category.ADMINISTRATION: 10},
    Phase.SPECIAL: {Category.LEADER: 6, Category.TEACHER: 24, Category.TEACHING_ASSISTANT: 50,
                    Category.SUPPORT: 12, Category.ADMINISTRATION: 8},
    Phase.CENTRAL: {Category.LEADER: 20, Category.ADMINISTRATION: 45, Category.SUPPORT: 25,
                    Category.OTHER: 10},
}
PART_TIME_SHARE = {
    Category.LEADER: 0.05, Category.TEACHER: 0.25, Category.TEACHING_ASSISTANT: 0.75,
    Category.SUPPORT: 0.6, Category.ADMINISTRATION: 0.4, Category.OTHER: 0.3,
}
PART_TIME_FTE = (Decimal("0.4"), Decimal("0.5"), Decimal("0.6"), Decimal("0.7"), Decimal("0.8"))
MEAN_YEARS_IN_POST = 7


@dataclass(frozen=True)
class RosterEntry:
    school: str
    email: str
    name: str
    job_category: str
    contract: str
    fte: Decimal
    start_year: int


def job_counts(phase: str, staff: int) -> dict[str, int]:
    """Split a school's staff into job categories (largest remainder); every school has a leader."""
    mix = JOB_MIX[phase]
    total = sum(mix.values())
    exact = {category: staff * weight / total for category, weight in mix.items()}
    counts = {category: int(share) for category, share in exact.items()}
    counts[Category.LEADER] = max(counts[Category.LEADER], 1)
    missing = staff - sum(counts.values())
    by_remainder = sorted(exact, key=lambda c: exact[c] - int(exact[c]), reverse=True)
    for category in by_remainder[:missing]:
        counts[category] += 1
    return counts


def _ascii_word(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def generate_roster(spec: DemoOrganisation) -> list[RosterEntry]:
    """The organisation's staff, the same on every run."""
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(spec.seed)
    rng = random.Random(spec.seed)
    used: set[str] = set()
    roster = []
    for school in spec.schools:
        for category, count in job_counts(school.phase, school.staff).items():
            for _ in range(count):
                first, last = fake.first_name(), fake.last_name()
                local = f"{_ascii_word(first)}.{_ascii_word(last)}"
                email, n = f"{local}@{spec.staff_email_domain}", 1
                while email in used:
                    n += 1
                    email = f"{local}{n}@{spec.staff_email_domain}"
                used.add(email)
                part_time = rng.random() < PART_TIME_SHARE[category]
                years_in_post = min(int(rng.expovariate(1 / MEAN_YEARS_IN_POST)), 35)
                roster.append(
                    RosterEntry(
                        school=school.name,
                        email=email,
                        name=f"{first} {last}",
                        job_category=category,
                        contract=StaffMember.Contract.PART_TIME if part_time else StaffMember.Contract.FULL_TIME,
                        fte=rng.choice(PART_TIME_FTE) if part_time else Decimal("1"),
                        start_year=REFERENCE_YEAR - years_in_post,
                    )
                )
    return roster


def load(*, demo: Demo) -> None:
    for spec in ORGANISATIONS:
        organisation, _ = Organisation.objects.get_or_create(
            slug=spec.slug,
            defaults={"name": spec.name, "kind": spec.kind, "reporting_threshold": 5,
                      "support_contacts": spec.support_contacts},
        )
        demo.organisations[spec.slug] = organisation
        roster = _roster(spec)
        with organisation_scope(organisation):
            schools = _load_schools(spec, roster)
            _load_roster(roster, organisation, schools)
            for login in LOGINS:
                if login.organisation_slug == spec.slug:
                    _load_login(login, organisation, schools)
                    demo.logins.append(login)
            active = StaffMember.objects.filter(is_active=True).count()
        demo.say(f"Demo organisation {organisation.name} (/o/{organisation.slug}/): "
                 f"{len(schools)} schools, {active} active staff.")


def _roster(spec: DemoOrganisation) -> list[RosterEntry]:
    entries = generate_roster(spec)
    # The demo staff member is on their school's roster too, as a teacher.
    for login in LOGINS:
        if login.organisation_slug == spec.slug and login.role == Role.STAFF:
            entries.append(RosterEntry(DEMO_SCHOOL, login.email, login.full_name, Category.TEACHER,
                                       StaffMember.Contract.FULL_TIME, Decimal("1"), 2019))
    return entries


def _load_schools(spec: DemoOrganisation, roster: list[RosterEntry]) -> dict[str, School]:
    staff = Counter(entry.school for entry in roster)
    schools = {}
    for school in spec.schools:
        schools[school.name], _ = School.objects.get_or_create(
            name=school.name, defaults={"phase": school.phase, "staff_count": staff[school.name]}
        )
    return schools


def _load_roster(entries: list[RosterEntry], organisation: Organisation, schools: dict[str, School]) -> None:
    # Bulk insert skips save(), so the organisation is set here; existing people (matched by
    # email) are left as they are, whatever the demo user did to them.
    StaffMember.objects.bulk_create(
        [
            StaffMember(
                organisation=organisation, school=schools[e.school], email=e.email, name=e.name,
                job_category=e.job_category, contract=e.contract, fte=e.fte, start_year=e.start_year,
            )
            for e in entries
        ],
        ignore_conflicts=True,
    )


def _load_login(login: DemoLogin, organisation: Organisation, schools: dict[str, School]) -> None:
    User = get_user_model()
    user = User.objects.filter(email=login.email).first()
    if user is None:
        user = User.objects.create_user(login.email, DEMO_PASSWORD, full_name=login.full_name)
    elif not user.is_active or not user.check_password(DEMO_PASSWORD):
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["is_active", "password"])
    EmailAddress.objects.update_or_create(
        user=user, email=login.email, defaults={"verified": True, "primary": True}
    )
    if login.totp_secret:
        _ensure_totp(user, login.totp_secret)
    membership, _ = Membership.objects.get_or_create(
        user=user, role=login.role, school=schools.get(login.school_name)
    )
    if not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])


def _ensure_totp(user, secret: str) -> None:
    """Give the user the printed TOTP secret, through allauth's own API (it may encrypt it)."""
    current = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if current is not None:
        if decrypt(current.data["secret"]) == secret:
            return
        current.delete()
    TOTP.activate(user, secret)
