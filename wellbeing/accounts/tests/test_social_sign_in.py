"""Google and Microsoft sign-in appear only when the operator configures them."""

import json
import runpy
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail

from wellbeing.accounts.models import User
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.invitations import invitation_create
from wellbeing.tenancy.models import Membership, OrganisationInvitation, Role

from .steps import invitation_link_path, totp_code, with_verified_email

GOOGLE = {"APPS": [{"client_id": "google-client", "secret": "google-secret"}], "SCOPE": ["profile", "email"]}
MICROSOFT = {"APPS": [{"client_id": "ms-client", "secret": "ms-secret", "settings": {"tenant": "organizations"}}]}


@pytest.mark.django_db
def test_the_sign_in_page_offers_no_social_sign_in_by_default(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}

    page = client.get("/accounts/login/")

    assert page.status_code == 200
    assert "Sign in with" not in page.text
    assert "/accounts/google/login/" not in page.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("providers", "shown", "hidden"),
    [
        ({"google": GOOGLE}, ["Google"], ["Microsoft"]),
        ({"microsoft": MICROSOFT}, ["Microsoft"], ["Google"]),
        ({"google": GOOGLE, "microsoft": MICROSOFT}, ["Google", "Microsoft"], []),
    ],
)
def test_the_sign_in_page_offers_exactly_the_configured_providers(client, settings, providers, shown, hidden):
    settings.SOCIALACCOUNT_PROVIDERS = providers

    page = client.get("/accounts/login/")

    for name in shown:
        assert f"Sign in with {name}" in page.text
        assert f'href="/accounts/{name.lower()}/login/?process=login"' in page.text
    for name in hidden:
        assert f"Sign in with {name}" not in page.text


def _settings_with_environment(monkeypatch, **variables):
    for name in ("SSO_GOOGLE_CLIENT_ID", "SSO_GOOGLE_SECRET", "SSO_MICROSOFT_CLIENT_ID", "SSO_MICROSOFT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    # A fresh evaluation of the settings module, as a new process would see it.
    return runpy.run_module("wellbeing.settings.base")


def test_providers_follow_the_sso_environment_variables(monkeypatch):
    assert _settings_with_environment(monkeypatch)["SOCIALACCOUNT_PROVIDERS"] == {}

    google = _settings_with_environment(monkeypatch, SSO_GOOGLE_CLIENT_ID="g-id", SSO_GOOGLE_SECRET="g-secret")
    assert google["SOCIALACCOUNT_PROVIDERS"]["google"]["APPS"] == [{"client_id": "g-id", "secret": "g-secret"}]
    assert "microsoft" not in google["SOCIALACCOUNT_PROVIDERS"]

    microsoft = _settings_with_environment(
        monkeypatch, SSO_MICROSOFT_CLIENT_ID="m-id", SSO_MICROSOFT_SECRET="m-secret", SSO_MICROSOFT_TENANT="contoso"
    )
    assert list(microsoft["SOCIALACCOUNT_PROVIDERS"]) == ["microsoft"]
    app = microsoft["SOCIALACCOUNT_PROVIDERS"]["microsoft"]["APPS"][0]
    assert (app["client_id"], app["settings"]["tenant"]) == ("m-id", "contoso")


@pytest.mark.django_db
def test_a_provider_that_is_not_configured_cannot_be_used(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}

    response = client.post("/accounts/google/login/")

    assert response.status_code == 404


# --- a whole Google sign-in, with only Google's HTTP faked -----------------------------------------


class FakeGoogle:
    """Answers the two calls allauth makes to Google after the browser comes back: the code for
    an access token, the access token for the person's profile. Anything else is a test failure."""

    def __init__(self, monkeypatch, *, email, verified=True):
        self.profile = {
            "id": "108234567890",
            "email": email,
            "verified_email": verified,
            "given_name": "Cerys",
            "family_name": "Morgan",
        }
        self.calls = []
        fake = self

        def request(session, method, url, **kwargs):
            return fake.answer(method, url)

        monkeypatch.setattr(requests.Session, "request", request)

    def answer(self, method, url):
        self.calls.append((method.upper(), url.split("?")[0]))
        if url == "https://oauth2.googleapis.com/token":
            return self._json({"access_token": "fake-access-token", "token_type": "Bearer", "expires_in": 3600})
        if url.startswith("https://www.googleapis.com/oauth2/v2/userinfo"):
            return self._json(self.profile)
        raise AssertionError(f"unexpected HTTP call {method} {url}")

    @staticmethod
    def _json(payload):
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(payload).encode()
        response.headers["Content-Type"] = "application/json"
        return response


def _sign_in_with_google(client):
    start = client.post("/accounts/google/login/?process=login")
    assert start.status_code == 302
    assert start["Location"].startswith("https://accounts.google.com/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    return client.get("/accounts/google/login/callback/", {"code": "one-time-code", "state": state})


def test_a_member_signs_in_with_google_by_their_verified_address(client, world, settings, monkeypatch):
    settings.SOCIALACCOUNT_PROVIDERS = {"google": GOOGLE}
    staff = world.user("a", Role.STAFF)
    with_verified_email(staff)
    google = FakeGoogle(monkeypatch, email=staff.email)

    response = _sign_in_with_google(client)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert google.calls == [
        ("POST", "https://oauth2.googleapis.com/token"),
        ("GET", "https://www.googleapis.com/oauth2/v2/userinfo"),
    ]
    assert client.get("/o/trust-a/").status_code == 200


def test_a_lead_signing_in_with_google_still_gives_their_totp_code(client, world, settings, monkeypatch):
    settings.SOCIALACCOUNT_PROVIDERS = {"google": GOOGLE}
    lead = with_verified_email(world.user("a", Role.ORGANISATION_LEAD))
    secret = generate_totp_secret()
    TOTP.activate(lead, secret)
    FakeGoogle(monkeypatch, email=lead.email)

    response = _sign_in_with_google(client)

    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert client.session["_auth_user_id"] == str(lead.pk)


def test_google_cannot_create_an_account_without_an_invitation(client, world, settings, monkeypatch):
    settings.SOCIALACCOUNT_PROVIDERS = {"google": GOOGLE}
    FakeGoogle(monkeypatch, email="stranger@gmail.example")

    response = _sign_in_with_google(client)

    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="stranger@gmail.example").exists()
    assert "Accounts are by invitation" in response.text


def test_an_invited_person_signs_up_with_google_and_gets_the_role(client, world, settings, monkeypatch):
    settings.SOCIALACCOUNT_PROVIDERS = {"google": GOOGLE}
    invitation_create(
        organisation=world.org("a"),
        invited_by=world.user("a", Role.ORGANISATION_ADMIN),
        email="cerys.morgan@example.org",
        role=Role.TRUSTEE,
    )
    client.get(invitation_link_path(mail.outbox[0].body))
    FakeGoogle(monkeypatch, email="cerys.morgan@example.org")

    _sign_in_with_google(client)

    person = User.objects.get(email="cerys.morgan@example.org")
    assert person.full_name == "Cerys Morgan"
    assert client.session["_auth_user_id"] == str(person.pk)
    with organisation_scope(world.org("a")):
        assert list(Membership.objects.filter(user=person).values_list("role", flat=True)) == [Role.TRUSTEE]


def test_google_with_another_address_does_not_use_someone_elses_invitation(client, world, settings, monkeypatch):
    settings.SOCIALACCOUNT_PROVIDERS = {"google": GOOGLE}
    invitation_create(
        organisation=world.org("a"),
        invited_by=world.user("a", Role.ORGANISATION_ADMIN),
        email="invited@example.org",
        role=Role.ORGANISATION_LEAD,
    )
    client.get(invitation_link_path(mail.outbox[0].body))
    FakeGoogle(monkeypatch, email="somebody.else@gmail.example")

    response = _sign_in_with_google(client)

    assert "Accounts are by invitation" in response.text
    assert not User.objects.filter(email="somebody.else@gmail.example").exists()
    with organisation_scope(world.org("a")):
        assert OrganisationInvitation.objects.get().accepted_at is None
