"""Opening an emailed invitation link, signing up or signing in, and getting the role."""

import datetime
import logging

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from wellbeing.accounts.models import User
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.invitations import invitation_create
from wellbeing.tenancy.models import Membership, OrganisationInvitation, Role
from wellbeing.tenancy.tokens import new_token

from .steps import PASSWORD, invitation_link_path, sign_in_with_password, with_verified_email

ACCEPT = "/invitations/accept/"
NEW_PASSWORD = "a long new passphrase 42"


@pytest.fixture
def invite(world):
    """Invite someone the way the members page does; returns the emailed link's path."""

    def _invite(key="a", *, email="new.person@example.org", role=Role.STAFF, school=None):
        mail.outbox.clear()
        invitation_create(
            organisation=world.org(key),
            invited_by=world.user(key, Role.ORGANISATION_ADMIN),
            email=email,
            role=role,
            school=school,
        )
        [message] = mail.outbox
        mail.outbox.clear()
        return invitation_link_path(message.body)

    return _invite


def _roles(org, email):
    with organisation_scope(org):
        return sorted(
            (m.role, m.school_id, m.is_active) for m in Membership.objects.filter(user__email=email)
        )


def _sign_up(client, email="new.person@example.org", name="Nia Evans"):
    return client.post(
        f"/accounts/signup/?next={ACCEPT}",
        {"email": email, "full_name": name, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


# --- the link -----------------------------------------------------------------------------------


def test_the_link_is_swapped_for_a_token_free_address_at_once(client, invite, caplog):
    link = invite()
    token = link.split("/")[2]

    with caplog.at_level(logging.DEBUG):
        response = client.get(link)
        page = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == ACCEPT
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert page.status_code == 200
    assert "Join Trust A" in page.text
    assert token not in page.text
    assert not any(token in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("make_link", "status", "heading"),
    [
        ("forged", 404, "This invitation link does not work"),
        ("expired", 410, "This invitation has expired"),
        ("used", 410, "This invitation has already been used"),
    ],
)
def test_links_that_do_not_work_say_why_and_create_nothing(
    client, world, invite, caplog, make_link, status, heading
):
    link = invite()
    with organisation_scope(world.org("a")):
        invitation = OrganisationInvitation.objects.get()
        if make_link == "expired":
            invitation.expires_at = timezone.now() - datetime.timedelta(minutes=1)
        if make_link == "used":
            invitation.accepted_at = timezone.now()
        invitation.save()
    if make_link == "forged":
        link = f"/invitations/{new_token()}/"
    token = link.split("/")[2]

    with caplog.at_level(logging.DEBUG):
        response = client.get(link, follow=True)

    assert response.redirect_chain == [(ACCEPT, 302)]
    assert response.status_code == status
    assert heading in response.text
    # The error is logged against the token-free address, never the token.
    assert not any(token in record.getMessage() for record in caplog.records)
    assert "organisation_invitation" not in client.session
    assert _sign_up(client).status_code == 200
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_the_accept_page_without_an_invitation_explains_itself(client, world):
    response = client.get(ACCEPT)

    assert response.status_code == 404
    assert "This invitation link does not work" in response.text


# --- signing up ---------------------------------------------------------------------------------


def test_sign_up_is_closed_without_an_invitation(client, world):
    page = client.get("/accounts/signup/")
    _sign_up(client)

    assert "Accounts are by invitation" in page.text
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_a_new_person_signs_up_with_the_invited_address_and_gets_the_role(client, world, invite):
    client.get(invite(role=Role.GOVERNOR, school=world.school("a", 1)))
    page = client.get(ACCEPT)
    assert "Create your account" in page.text

    form = client.get(f"/accounts/signup/?next={ACCEPT}")
    assert 'value="new.person@example.org"' in form.text  # pre-filled
    response = _sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == ACCEPT
    person = User.objects.get(email="new.person@example.org")
    assert person.full_name == "Nia Evans"
    # The link proved the address: verified, and no confirmation email.
    assert EmailAddress.objects.get(user=person).verified
    assert mail.outbox == []
    assert _roles(world.org("a"), person.email) == [(Role.GOVERNOR, world.school("a", 1).pk, True)]
    assert _roles(world.org("b"), person.email) == []
    onward = client.get(ACCEPT)
    assert onward["Location"] == "/o/trust-a/"
    home = client.get("/o/trust-a/")
    assert home.status_code == 200
    assert "You have joined Trust A as Governor." in [str(m) for m in home.context["messages"]]


def test_signing_up_with_another_address_is_refused(client, world, invite):
    client.get(invite())

    response = _sign_up(client, email="someone.else@example.org")

    assert response.status_code == 200
    assert "Your invitation was sent to new.person@example.org" in response.text
    assert not User.objects.filter(email="someone.else@example.org").exists()
    assert _roles(world.org("a"), "someone.else@example.org") == []


def test_a_new_lead_signs_up_and_is_sent_to_set_up_totp(client, world, invite):
    client.get(invite(role=Role.SCHOOL_LEAD, school=world.school("a")))
    _sign_up(client)

    response = client.get(client.get(ACCEPT)["Location"])

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    assert _roles(world.org("a"), "new.person@example.org") == [(Role.SCHOOL_LEAD, world.school("a").pk, True)]


# --- people who already have an account ----------------------------------------------------------


def test_someone_with_an_account_signs_in_and_gets_the_role(client, world, invite):
    governor = with_verified_email(world.user("a", Role.GOVERNOR))
    client.get(invite(email=governor.email, role=Role.TRUSTEE))
    page = client.get(ACCEPT)
    assert "Sign in to accept" in page.text

    response = sign_in_with_password(client, governor.email, next_url=ACCEPT)

    assert response["Location"] == ACCEPT
    assert client.get(ACCEPT)["Location"] == "/o/trust-a/"
    assert (Role.TRUSTEE, None, True) in _roles(world.org("a"), governor.email)


def test_someone_signed_in_with_the_invited_address_accepts_with_one_click(client, world, invite, signed_in):
    partner = world.user("b", Role.PARTNER)
    signed_in(partner)
    client.get(invite("a", email=partner.email, role=Role.PARTNER))

    page = client.get(ACCEPT)
    assert "Accept the invitation" in page.text
    assert _roles(world.org("a"), partner.email) == []  # nothing happens on a mere visit
    response = client.post(ACCEPT)

    assert response["Location"] == "/o/trust-a/"
    assert _roles(world.org("a"), partner.email) == [(Role.PARTNER, None, True)]
    assert client.get("/o/trust-a/").status_code == 200
    assert client.post(ACCEPT).status_code == 404  # used up: nothing left in the session


def test_someone_signed_in_as_another_person_cannot_accept(client, world, invite, signed_in):
    staff = world.user("a", Role.STAFF)
    signed_in(staff)
    client.get(invite(email="new.person@example.org", role=Role.ORGANISATION_LEAD))

    page = client.get(ACCEPT)
    attempt = client.post(ACCEPT)

    assert page.status_code == 403
    assert "This invitation was sent to new.person@example.org, but you are signed in as" in page.text
    assert attempt.status_code == 403
    assert _roles(world.org("a"), staff.email) == [(Role.STAFF, None, True)]


def test_signing_in_as_another_person_leaves_the_invitation_unused(client, world, invite):
    staff = with_verified_email(world.user("a", Role.STAFF))
    client.get(invite(email="new.person@example.org", role=Role.TRUSTEE))

    sign_in_with_password(client, staff.email, PASSWORD, next_url=ACCEPT)

    assert client.get(ACCEPT).status_code == 403
    with organisation_scope(world.org("a")):
        assert OrganisationInvitation.objects.get().accepted_at is None
    assert _roles(world.org("a"), staff.email) == [(Role.STAFF, None, True)]


# --- organisations stay apart ----------------------------------------------------------------------


def test_an_invitation_from_organisation_b_never_gives_a_role_in_a(client, world, invite, signed_in):
    staff_a = world.user("a", Role.STAFF)
    signed_in(staff_a)
    client.get(invite("b", email=staff_a.email, role=Role.ORGANISATION_LEAD))

    # Visiting organisation A's pages while carrying B's invitation changes nothing in A.
    assert client.get("/o/trust-a/").status_code == 200
    client.post(ACCEPT)

    assert _roles(world.org("a"), staff_a.email) == [(Role.STAFF, None, True)]
    assert _roles(world.org("b"), staff_a.email) == [(Role.ORGANISATION_LEAD, None, True)]


def test_sign_up_closes_when_the_invitation_expires_meanwhile(client, world, invite):
    client.get(invite())
    with organisation_scope(world.org("a")):
        OrganisationInvitation.objects.update(expires_at=timezone.now())

    response = _sign_up(client)

    assert "Accounts are by invitation" in response.text
    assert not User.objects.filter(email="new.person@example.org").exists()
