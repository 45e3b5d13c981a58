"""Admins and wellbeing leads use a second factor; everybody else signs in with a password."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from wellbeing.tenancy.models import MFA_ROLES, Role

from .steps import PASSWORD, sign_in_with_password, totp_code, with_verified_email

SETUP_URL = "/accounts/2fa/totp/activate/"
MFA_CODE_URL = "/accounts/2fa/authenticate/"
NO_MFA_ROLES = sorted(set(Role) - MFA_ROLES)


@pytest.mark.parametrize("role", sorted(MFA_ROLES))
def test_admins_and_leads_must_set_up_totp_before_any_organisation_page(client, world, role):
    client.force_login(world.user("a", role))

    for page in ("/o/trust-a/", "/o/trust-a/people/members/", "/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"] == SETUP_URL, page

    # The way out stays open: set-up asks for the password again (allauth), it does not loop.
    setup = client.get(SETUP_URL)
    assert setup.status_code == 302
    assert setup["Location"].startswith("/accounts/reauthenticate/")


@pytest.mark.parametrize("role", NO_MFA_ROLES)
def test_staff_governors_trustees_and_partners_are_not_asked_for_a_second_factor(client, world, role):
    client.force_login(world.user("a", role))

    response = client.get("/o/trust-a/")

    assert response.status_code == 200
    assert "Trust A" in response.text


def test_mfa_can_be_switched_off_by_the_operator(client, world, settings):
    settings.MFA_REQUIRED = False
    client.force_login(world.user("a", Role.SCHOOL_LEAD))

    assert client.get("/o/trust-a/").status_code == 200


def test_an_htmx_request_is_sent_to_set_up_as_a_whole_page(client, world):
    client.force_login(world.user("a", Role.ORGANISATION_LEAD))

    response = client.get("/o/trust-a/", headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == SETUP_URL


def test_a_lead_sets_up_totp_and_then_reaches_the_page_they_asked_for(client, world):
    lead = with_verified_email(world.user("a", Role.SCHOOL_LEAD))
    wanted = "/o/trust-a/?tab=plans"

    response = sign_in_with_password(client, lead.email, next_url="/o/trust-a/%3Ftab%3Dplans")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response["Location"] == SETUP_URL

    # allauth asks for the password again before a second factor is added ("sudo mode").
    confirm = client.get(SETUP_URL)
    assert confirm["Location"] == "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    assert client.post(confirm["Location"], {"password": PASSWORD})["Location"] == SETUP_URL
    page = client.get(SETUP_URL)
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in page.text  # shown for typing into an app that cannot scan the QR code

    wrong = client.post(SETUP_URL, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=lead).exists()

    done = client.post(SETUP_URL, {"code": totp_code(secret)})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=lead, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=lead, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get(done["Location"]).status_code == 200

    # The recovery-codes page links home; home carries on to the page first asked for.
    onward = client.get("/")
    assert onward.status_code == 302
    assert onward["Location"] == wanted
    organisation_page = client.get(wanted)
    assert organisation_page.status_code == 200
    assert "Trust A" in organisation_page.text


def _lead_with_totp(world, role=Role.ORGANISATION_LEAD):
    lead = with_verified_email(world.user("a", role))
    secret = generate_totp_secret()
    TOTP.activate(lead, secret)
    return lead, secret


def test_a_lead_with_totp_is_asked_for_the_code_after_the_password(client, world):
    lead, secret = _lead_with_totp(world)

    response = sign_in_with_password(client, lead.email, next_url="/o/trust-a/")

    assert response.status_code == 302
    assert response["Location"] == MFA_CODE_URL
    # The password alone has not signed them in.
    assert client.get("/o/trust-a/")["Location"].startswith("/accounts/login/")

    wrong = client.post(MFA_CODE_URL, {"code": "12345"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.text
    assert client.get("/o/trust-a/")["Location"].startswith("/accounts/login/")

    right = client.post(MFA_CODE_URL, {"code": totp_code(secret)})
    assert right.status_code == 302
    assert right["Location"] == "/o/trust-a/"
    page = client.get("/o/trust-a/")
    assert page.status_code == 200
    assert "Trust A" in page.text


def test_a_totp_code_works_only_once(client, world):
    lead, secret = _lead_with_totp(world)
    code = totp_code(secret)
    sign_in_with_password(client, lead.email)
    assert client.post(MFA_CODE_URL, {"code": code}).status_code == 302
    client.post("/accounts/logout/")

    sign_in_with_password(client, lead.email)
    replayed = client.post(MFA_CODE_URL, {"code": code})

    assert replayed.status_code == 200
    assert "Incorrect code" in replayed.text


def test_a_recovery_code_signs_in_once(client, world):
    lead, _secret = _lead_with_totp(world, Role.ORGANISATION_ADMIN)
    first, second = RecoveryCodes.activate(lead).generate_codes()[:2]

    sign_in_with_password(client, lead.email)
    assert client.post(MFA_CODE_URL, {"code": first})["Location"] == "/"
    assert client.get("/o/trust-a/people/members/").status_code == 200
    client.post("/accounts/logout/")

    sign_in_with_password(client, lead.email)
    reused = client.post(MFA_CODE_URL, {"code": first})
    assert reused.status_code == 200
    assert "Incorrect code" in reused.text

    assert client.post(MFA_CODE_URL, {"code": second}).status_code == 302
    assert client.get("/o/trust-a/people/members/").status_code == 200
