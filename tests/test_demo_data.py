"""The demo's data and logins, read from one load of the demo per module (`loaded_demo`,
root conftest): each test's own changes roll back with its transaction. What `make demo` itself
does, with real processes, is in test_demo.py."""

from __future__ import annotations

import io
import re
import time
from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from wellbeing.demo import DEMO_PASSWORD, load_demo, totp_code
from wellbeing.demo.tenancy import LOGINS
from wellbeing.tenancy.context import organisation_scope, platform_scope
from wellbeing.tenancy.models import Membership, Organisation, School, StaffMember

User = get_user_model()


def _counts() -> dict[str, int]:
    with platform_scope():
        return {
            "organisations": Organisation.objects.count(),
            "schools": School.objects.unscoped().count(),
            "staff": StaffMember.objects.unscoped().count(),
            "memberships": Membership.objects.unscoped().count(),
            "users": User.objects.count(),
            "email addresses": EmailAddress.objects.count(),
            "authenticators": Authenticator.objects.count(),
        }


def _login(email: str):
    return next(login for login in LOGINS if login.email == email)


def _fresh_totp_code(secret: str) -> str:
    """A code that will still be valid when the server checks it (not in a window's last second)."""
    code, seconds_left = totp_code(secret)
    if seconds_left < 2:
        time.sleep(seconds_left + 0.1)
        code, _ = totp_code(secret)
    return code


@pytest.fixture(autouse=True)
def _each_test_may_use_the_current_codes():
    """The demo's people keep their ids from test to test here, and allauth refuses a second
    factor code used once already in its 30 s window (replay protection, kept in the cache):
    what one test signed in with is forgotten before the next."""
    from django.core.cache import cache

    yield
    pattern = cache.make_key("allauth.mfa.totp.used?*")
    client = cache._cache.get_client()
    for key in client.scan_iter(match=pattern):
        client.delete(key)


# --- The data ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_demo_trust_has_schools_of_every_size_and_a_few_hundred_staff(loaded_demo):
    trust = Organisation.objects.get(slug="northbrook")
    assert trust.name == "Northbrook Learning Trust"
    assert trust.kind == Organisation.Kind.TRUST
    assert trust.reporting_threshold == 5
    assert "Employee assistance programme" in trust.support_contacts
    with organisation_scope(trust):
        schools = list(School.objects.all())
        active_by_school = Counter(
            StaffMember.objects.filter(is_active=True).values_list("school__name", flat=True)
        )
    assert 7 <= len(schools) <= 9
    assert {school.phase for school in schools} >= {
        School.Phase.PRIMARY, School.Phase.SECONDARY, School.Phase.SPECIAL, School.Phase.CENTRAL
    }
    assert min(active_by_school.values()) < 10, "one very small school"
    assert 300 <= sum(active_by_school.values()) <= 600
    for school in schools:
        assert school.staff_count == active_by_school[school.name], school.name

    riverside = Organisation.objects.get(slug="riverside")
    with organisation_scope(riverside):
        assert School.objects.count() == 2
        assert not StaffMember.objects.filter(email__endswith="@northbrook.example").exists()


@pytest.mark.django_db
def test_loading_the_demo_twice_duplicates_nothing(loaded_demo):
    after_first = _counts()

    load_demo(stdout=io.StringIO())

    assert _counts() == after_first
    assert after_first["organisations"] == 2
    assert after_first["users"] == len(LOGINS)


@pytest.mark.django_db
def test_loading_again_keeps_what_people_changed_but_makes_the_logins_work_again(loaded_demo):
    trust = Organisation.objects.get(slug="northbrook")
    with organisation_scope(trust):
        person = StaffMember.objects.get(email="staff@demo.staffwell.test")
        person.name = "Jamie Fletcher-Hughes"
        person.save()
    lead = User.objects.get(email="organisation_lead@demo.staffwell.test")
    lead.set_password("a-password-someone-chose")
    lead.save()

    load_demo(stdout=io.StringIO())

    with organisation_scope(trust):
        assert StaffMember.objects.get(email="staff@demo.staffwell.test").name == "Jamie Fletcher-Hughes"
    lead.refresh_from_db()
    assert lead.check_password(DEMO_PASSWORD)


# --- Signing in as each demo person -----------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("email", [login.email for login in LOGINS])
def test_every_demo_login_signs_in_and_lands_on_their_role_home(loaded_demo, client, email):
    login = _login(email)

    response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    if login.totp_secret:
        assert response["Location"] == reverse("mfa_authenticate")
        response = client.post(reverse("mfa_authenticate"), {"code": _fresh_totp_code(login.totp_secret)})
        assert response.status_code == 302
    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == f"/o/{login.organisation_slug}/"
    assert f'data-role="{login.role}"'.encode() in response.content


@pytest.mark.django_db
def test_a_wrong_second_factor_code_does_not_sign_a_lead_in(loaded_demo, client):
    login = _login("organisation_admin@demo.staffwell.test")
    right = _fresh_totp_code(login.totp_secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    client.post(reverse("account_login"), {"login": login.email, "password": DEMO_PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})

    assert response.status_code == 200
    assert b"Incorrect code" in response.content
    assert client.get("/o/northbrook/").status_code == 302, "still signed out"


@pytest.mark.django_db
def test_demo_totp_prints_the_code_the_sign_in_accepts(loaded_demo):
    login = _login("school_lead@demo.staffwell.test")
    out = io.StringIO()

    _fresh_totp_code(login.totp_secret)
    call_command("demo_totp", login.email, stdout=out)

    printed = re.search(r"\b(\d{6})\b", out.getvalue()).group(1)
    authenticator = Authenticator.objects.get(user__email=login.email, type=Authenticator.Type.TOTP)
    assert authenticator.wrap().validate_code(printed)


