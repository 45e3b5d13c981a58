"""The members page: organisation admins see who holds which role, invite, deactivate, reactivate."""

import pytest
from django.core import mail

from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Membership, OrganisationInvitation, Role
from wellbeing.tenancy.tests.factories import MembershipFactory, UserFactory

MEMBERS = "/o/trust-a/people/members/"
INVITE = "/o/trust-a/people/members/invite/"
NOT_ADMIN = sorted(set(Role) - {Role.ORGANISATION_ADMIN})


def _membership(world, key, role):
    with organisation_scope(world.org(key)):
        return Membership.objects.get(user=world.user(key, role), role=role)


def _is_active(membership):
    with organisation_scope(membership.organisation_id):
        return Membership.objects.get(pk=membership.pk).is_active


def _invitations(world, key):
    with organisation_scope(world.org(key)):
        return list(OrganisationInvitation.objects.values_list("email", "role", "school_id"))


@pytest.fixture
def admin_client(client, world, signed_in):
    return signed_in(world.user("a", Role.ORGANISATION_ADMIN))


# --- who may see it -----------------------------------------------------------------------------


def test_an_admin_sees_every_person_with_role_school_and_status(admin_client, world):
    governor = world.user("a", Role.GOVERNOR)

    page = admin_client.get(MEMBERS)

    assert page.status_code == 200
    assert page.text.count('data-membership="') == len(Role)
    row = page.text.split(f'data-membership="{_membership(world, "a", Role.GOVERNOR).pk}"')[1].split("</tr>")[0]
    for expected in (governor.full_name, governor.email, "Governor", "A School 1", "Active"):
        assert expected in row
    trustee_row = page.text.split(f'data-membership="{_membership(world, "a", Role.TRUSTEE).pk}"')[1].split("</tr>")[0]
    assert "Whole organisation" in trustee_row
    # Nobody of organisation B.
    assert "@b.example.org" not in page.text
    assert "B School" not in page.text


@pytest.mark.parametrize("role", NOT_ADMIN)
def test_everyone_but_admins_gets_404(client, world, signed_in, role):
    signed_in(world.user("a", role))
    target = _membership(world, "a", Role.STAFF)

    responses = [
        client.get(MEMBERS),
        client.post(INVITE, {"email": "x@example.org", "role": Role.STAFF}),
        client.get(f"{MEMBERS}{target.pk}/deactivate/"),
        client.post(f"{MEMBERS}{target.pk}/deactivate/"),
    ]

    assert [r.status_code for r in responses] == [404] * 4
    assert _invitations(world, "a") == []
    assert _is_active(target)


def test_an_admin_of_a_cannot_see_or_change_organisation_b(admin_client, world):
    b_staff = _membership(world, "b", Role.STAFF)

    responses = [
        admin_client.get("/o/trust-b/people/members/"),
        admin_client.post("/o/trust-b/people/members/invite/", {"email": "x@example.org", "role": Role.STAFF}),
        admin_client.post(f"/o/trust-b/people/members/{b_staff.pk}/deactivate/"),
        # B's membership through A's own address: not found in A.
        admin_client.get(f"{MEMBERS}{b_staff.pk}/deactivate/"),
        admin_client.post(f"{MEMBERS}{b_staff.pk}/deactivate/"),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert _invitations(world, "b") == []
    assert _is_active(b_staff)


# --- inviting -----------------------------------------------------------------------------------


def test_an_admin_invites_a_school_lead(admin_client, world):
    school = world.school("a", 1)

    response = admin_client.post(
        INVITE, {"email": "Head@Example.org", "role": Role.SCHOOL_LEAD, "school": school.pk}
    )

    assert response.status_code == 302
    assert response["Location"] == MEMBERS
    assert _invitations(world, "a") == [("head@example.org", Role.SCHOOL_LEAD, school.pk)]
    [message] = mail.outbox
    assert message.to == ["head@example.org"]
    assert "/invitations/" in message.body
    page = admin_client.get(MEMBERS)
    assert "Invitation sent to head@example.org." in page.text
    assert "Invitations waiting for an answer" in page.text
    assert "head@example.org" in page.text


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"email": "governor@example.org", "role": Role.GOVERNOR}, "Choose the school for this role."),
        ({"email": "trustee@example.org", "role": Role.TRUSTEE, "school": "first"}, "This role covers the whole organisation"),
        ({"email": "not-an-email", "role": Role.STAFF}, "Enter a valid email address."),
        ({"email": "someone@example.org", "role": ""}, "This field is required."),
        ({"email": "staff@a.example.org", "role": Role.STAFF}, "This person already holds this role."),
    ],
)
def test_bad_invitations_are_explained_and_keep_what_was_typed(admin_client, world, data, field_error):
    if data.get("school") == "first":
        data = {**data, "school": world.school("a").pk}

    response = admin_client.post(INVITE, data)

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert field_error in response.text
    assert f'value="{data["email"]}"' in response.text
    assert _invitations(world, "a") == []
    assert mail.outbox == []


def test_a_school_of_organisation_b_cannot_be_chosen(admin_client, world):
    response = admin_client.post(
        INVITE, {"email": "gov@example.org", "role": Role.GOVERNOR, "school": world.school("b").pk}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert _invitations(world, "a") == []
    assert _invitations(world, "b") == []


# --- deactivating and reactivating --------------------------------------------------------------


def test_deactivating_asks_first_then_takes_the_role_away(admin_client, client, world, signed_in):
    lead = _membership(world, "a", Role.ORGANISATION_LEAD)
    url = f"{MEMBERS}{lead.pk}/deactivate/"

    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    assert "Yes, deactivate" in confirm.text
    assert world.user("a", Role.ORGANISATION_LEAD).email in confirm.text
    assert _is_active(lead)  # a visit alone changes nothing

    done = admin_client.post(url)
    assert done["Location"] == MEMBERS
    assert not _is_active(lead)
    page = admin_client.get(MEMBERS)
    assert "Deactivated" in page.text
    assert "no longer has the role" in page.text

    signed_in(world.user("a", Role.ORGANISATION_LEAD))
    assert client.get("/o/trust-a/").status_code == 404


def test_reactivating_gives_the_same_role_back(admin_client, world):
    governor = _membership(world, "a", Role.GOVERNOR)
    admin_client.post(f"{MEMBERS}{governor.pk}/deactivate/")

    confirm = admin_client.get(f"{MEMBERS}{governor.pk}/reactivate/")
    done = admin_client.post(f"{MEMBERS}{governor.pk}/reactivate/")

    assert "Yes, reactivate" in confirm.text
    assert done["Location"] == MEMBERS
    with organisation_scope(world.org("a")):
        again = Membership.objects.get(pk=governor.pk)
    assert (again.is_active, again.role, again.school_id) == (True, Role.GOVERNOR, world.school("a").pk)


def test_the_last_admin_cannot_be_deactivated(admin_client, world):
    admin = _membership(world, "a", Role.ORGANISATION_ADMIN)

    response = admin_client.post(f"{MEMBERS}{admin.pk}/deactivate/")

    assert response.status_code == 200
    assert "only active admin" in response.text
    assert _is_active(admin)


def test_an_admin_can_step_down_when_another_admin_remains(admin_client, world):
    with organisation_scope(world.org("a")):
        MembershipFactory(user=UserFactory(email="second.admin@a.example.org"), role=Role.ORGANISATION_ADMIN)
    admin = _membership(world, "a", Role.ORGANISATION_ADMIN)

    admin_client.post(f"{MEMBERS}{admin.pk}/deactivate/")

    assert not _is_active(admin)
    assert admin_client.get(MEMBERS).status_code == 404


def test_the_invite_link_on_the_home_page_opens_the_invitation_form(admin_client, world):
    home = admin_client.get("/o/trust-a/")
    page = admin_client.get(INVITE)

    assert f'href="{INVITE}"' in home.text
    assert page.status_code == 200
    assert "Invite someone" in page.text
    assert 'name="email"' in page.text
    assert "A School 1" in page.text
    assert "B School 1" not in page.text


def test_a_refused_invitation_email_is_reported_and_the_form_kept(admin_client, world, settings):
    settings.EMAIL_BACKEND = "wellbeing.accounts.tests.steps.RefusingMailServer"

    response = admin_client.post(INVITE, {"email": "head@example.org", "role": Role.TRUSTEE})

    assert response.status_code == 200
    assert "The invitation email could not be sent, so nothing was saved." in response.text
    assert 'value="head@example.org"' in response.text
    assert _invitations(world, "a") == []
