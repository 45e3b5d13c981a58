"""Inviting people into an organisation: what is checked, what is stored, what is sent."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from wellbeing.tenancy.context import organisation_scope, platform_scope
from wellbeing.tenancy.invitations import (
    invitation_accept,
    invitation_create,
    invitation_for_token,
)
from wellbeing.tenancy.models import Membership, OrganisationInvitation, Role
from wellbeing.tenancy.tests.factories import UserFactory
from wellbeing.tenancy.tokens import new_token, token_hash

from .steps import invitation_link_path


def _invite(world, key="a", *, email="new.person@example.org", role=Role.STAFF, school=None):
    return invitation_create(
        organisation=world.org(key),
        invited_by=world.user(key, Role.ORGANISATION_ADMIN),
        email=email,
        role=role,
        school=school,
    )


def _invitations(org):
    with organisation_scope(org):
        return list(OrganisationInvitation.objects.all())


def _memberships(org, user):
    with organisation_scope(org):
        return list(Membership.objects.filter(user=user))


# --- tokens -------------------------------------------------------------------------------------


def test_tokens_carry_128_random_bits_and_never_repeat():
    tokens = {new_token() for _ in range(1000)}

    assert len(tokens) == 1000
    assert all(len(token) == 22 for token in tokens)  # 16 bytes, URL-safe base64
    with pytest.raises(ValueError):
        new_token(nbytes=8)


def test_a_token_hash_depends_on_the_key_and_hides_the_token(settings):
    token = new_token()
    settings.TOKEN_HASH_KEY = "key one"
    first = token_hash(token)
    settings.TOKEN_HASH_KEY = "key two"

    assert len(first) == 64
    assert token not in first
    assert token_hash(token) != first
    settings.TOKEN_HASH_KEY = "key one"
    assert token_hash(token) == first


# --- creating -----------------------------------------------------------------------------------


def test_an_invitation_is_emailed_and_only_its_keyed_hash_is_stored(world):
    issued = _invite(world, email="  New.Person@Example.org ", role=Role.TRUSTEE)

    [message] = mail.outbox
    assert message.to == ["new.person@example.org"]
    assert "Trust A" in message.subject
    assert "Trustee" in message.body
    token = invitation_link_path(message.body).split("/")[2]
    invitation = issued.invitation
    assert invitation.token_hash == token_hash(token)
    stored = [str(value) for value in _row_values(world, invitation)]
    assert not any(token in value for value in stored)
    assert invitation.expires_at - timezone.now() > datetime.timedelta(days=13)
    assert invitation_for_token(token).pk == invitation.pk


def _row_values(world, invitation):
    with organisation_scope(world.org("a")):
        return OrganisationInvitation.objects.filter(pk=invitation.pk).values().get().values()


def test_when_the_mail_server_refuses_nothing_is_saved_and_the_admin_is_told(world, settings):
    settings.EMAIL_BACKEND = "wellbeing.accounts.tests.steps.RefusingMailServer"

    with pytest.raises(ValidationError) as error:
        _invite(world)

    assert "could not be sent" in error.value.message_dict["email"][0]
    assert _invitations(world.org("a")) == []


@pytest.mark.parametrize("role", [Role.SCHOOL_LEAD, Role.GOVERNOR])
def test_school_roles_need_a_school(world, role):
    with pytest.raises(ValidationError) as error:
        _invite(world, role=role)

    assert "school" in error.value.message_dict
    assert _invitations(world.org("a")) == []


@pytest.mark.parametrize("role", [Role.ORGANISATION_ADMIN, Role.ORGANISATION_LEAD, Role.TRUSTEE, Role.PARTNER, Role.STAFF])
def test_organisation_wide_roles_take_no_school(world, role):
    with pytest.raises(ValidationError) as error:
        _invite(world, role=role, school=world.school("a"))

    assert "school" in error.value.message_dict
    assert _invitations(world.org("a")) == []


def test_a_school_of_another_organisation_is_refused(world):
    with pytest.raises(ValidationError) as error:
        _invite(world, "a", role=Role.GOVERNOR, school=world.school("b"))

    assert error.value.message_dict["school"] == ["Choose one of this organisation's schools."]
    assert _invitations(world.org("a")) == []
    assert _invitations(world.org("b")) == []


def test_a_person_who_already_holds_the_role_is_not_invited_again(world):
    lead = world.user("a", Role.SCHOOL_LEAD)

    with pytest.raises(ValidationError) as error:
        _invite(world, email=lead.email.upper(), role=Role.SCHOOL_LEAD, school=world.school("a", 0))

    assert error.value.message_dict["email"] == ["This person already holds this role."]
    # The same person may be invited to another school or another role.
    _invite(world, email=lead.email, role=Role.SCHOOL_LEAD, school=world.school("a", 1))
    _invite(world, email=lead.email, role=Role.TRUSTEE)
    assert len(_invitations(world.org("a"))) == 2


def test_a_nonsense_email_is_refused(world):
    with pytest.raises(ValidationError) as error:
        _invite(world, email="not an address")

    assert "email" in error.value.message_dict


def test_inviting_again_replaces_the_earlier_link(world):
    first = _invite(world)
    second = _invite(world)
    old_token = first.url.rstrip("/").rsplit("/", 1)[1]
    new_token_ = second.url.rstrip("/").rsplit("/", 1)[1]
    person = UserFactory(email="new.person@example.org")

    with pytest.raises(ValidationError, match="expired"):
        invitation_accept(invitation=invitation_for_token(old_token), user=person)
    invitation_accept(invitation=invitation_for_token(new_token_), user=person)

    assert [m.role for m in _memberships(world.org("a"), person)] == [Role.STAFF]


# --- accepting ----------------------------------------------------------------------------------


def test_accepting_gives_the_role_in_the_inviting_organisation_only(world):
    issued = _invite(world, "b", role=Role.GOVERNOR, school=world.school("b", 1))
    person = UserFactory(email="new.person@example.org")

    membership = invitation_accept(invitation=issued.invitation, user=person)

    assert (membership.organisation_id, membership.role, membership.school_id) == (
        world.org("b").pk,
        Role.GOVERNOR,
        world.school("b", 1).pk,
    )
    assert _memberships(world.org("a"), person) == []
    with platform_scope():
        invitation = OrganisationInvitation.objects.unscoped().get(pk=issued.invitation.pk)
    assert invitation.accepted_by == person
    assert invitation.accepted_at is not None


def test_an_invitation_works_once(world):
    issued = _invite(world)
    person = UserFactory(email="new.person@example.org")
    invitation_accept(invitation=issued.invitation, user=person)

    with pytest.raises(ValidationError, match="already been used"):
        invitation_accept(invitation=issued.invitation, user=person)

    assert len(_memberships(world.org("a"), person)) == 1


def test_an_expired_invitation_gives_nothing(world):
    issued = _invite(world)
    with organisation_scope(world.org("a")):
        OrganisationInvitation.objects.filter(pk=issued.invitation.pk).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    person = UserFactory(email="new.person@example.org")

    with pytest.raises(ValidationError, match="expired"):
        invitation_accept(invitation=issued.invitation, user=person)

    assert _memberships(world.org("a"), person) == []


def test_only_the_invited_address_can_accept(world):
    issued = _invite(world)
    someone_else = world.user("a", Role.STAFF)

    with pytest.raises(ValidationError, match="new.person@example.org"):
        invitation_accept(invitation=issued.invitation, user=someone_else)

    assert [m.role for m in _memberships(world.org("a"), someone_else)] == [Role.STAFF]


def test_accepting_brings_back_a_deactivated_role(world):
    trustee = world.user("a", Role.TRUSTEE)
    with organisation_scope(world.org("a")):
        Membership.objects.filter(user=trustee).update(is_active=False)
    issued = _invite(world, email=trustee.email, role=Role.TRUSTEE)

    invitation_accept(invitation=issued.invitation, user=trustee)

    [membership] = _memberships(world.org("a"), trustee)
    assert membership.is_active


def test_a_forged_token_finds_nothing(world):
    _invite(world)

    assert invitation_for_token(new_token()) is None
