""""You said, we did": who sees an update, the weekly digest, and what figures may be quoted."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from actionplans import services
from actionplans.models import DigestSubscription, YouSaidWeDid
from actionplans.tests import factories, results
from surveys.models import ResultCell
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.tests.factories import StaffMemberFactory, UserFactory


def _publish(world, key="a", school=None, **extra):
    with organisation_scope(world.org(key)):
        return services.post_publish(
            organisation=world.org(key), school=school, author=world.user(key, "organisation_lead"),
            you_said=extra.pop("you_said", "Marking takes too many evenings."),
            we_did=extra.pop("we_did", "We replaced written marking with whole-class feedback."), **extra,
        )


@pytest.fixture
def staff_of_school_1(world):
    """A member of staff who signs in, on the roster of A School 1 (staff roles name no school)."""
    user = world.user("a", "staff")
    with organisation_scope(world.org("a")):
        StaffMemberFactory(email=user.email.upper(), school=world.school("a", 0))
    return user


def test_staff_see_their_schools_and_the_organisations_updates_only(world, staff_of_school_1, signed_in):
    _publish(world, you_said="School 1 said meetings run late.", school=world.school("a", 0))
    _publish(world, you_said="School 2 said the staffroom is cold.", school=world.school("a", 1))
    _publish(world, you_said="Everyone said they want flexible INSET.")
    _publish(world, "b", you_said="Trust B staff said something private.")

    page = signed_in(staff_of_school_1).get("/o/trust-a/you-said-we-did/").content.decode()

    assert "School 1 said meetings run late." in page
    assert "Everyone said they want flexible INSET." in page
    assert "School 2 said the staffroom is cold." not in page
    assert "Trust B staff said something private." not in page


def test_another_organisation_gets_404_for_the_staff_page(world, signed_in):
    _publish(world, "b", you_said="Trust B staff said something private.")

    response = signed_in(world.user("a", "staff")).get("/o/trust-b/you-said-we-did/")

    assert response.status_code == 404
    assert "something private" not in response.content.decode()


def test_staff_cannot_publish(world, signed_in):
    client = signed_in(world.user("a", "staff"))

    assert client.get("/o/trust-a/you-said-we-did/new/").status_code == 404
    response = client.post("/o/trust-a/you-said-we-did/new/", {
        "school": "organisation", "you_said": "x", "we_did": "y"})
    assert response.status_code == 404
    with organisation_scope(world.org("a")):
        assert not YouSaidWeDid.objects.exists()


def test_a_typed_percentage_is_refused_so_only_released_figures_are_quoted(world, signed_in):
    client = signed_in(world.user("a", "organisation_lead"))

    response = client.post("/o/trust-a/you-said-we-did/new/", {
        "school": "organisation", "you_said": "Only 38 % of you feel listened to.", "we_did": "Termly forums.",
    })

    assert response.status_code == 400
    assert "Figures cannot be typed in." in response.content.decode()
    with organisation_scope(world.org("a")):
        assert not YouSaidWeDid.objects.exists()


def test_a_figure_is_quoted_only_from_a_released_reportable_finding(world):
    lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        results.staff(world.school("a", 0), 40, seed=1)
        results.staff(world.school("a", 1), 30, seed=2)
        _survey, release = results.published_wave(organisation=world.org("a"),
                                                   schools=[world.school("a", 0), world.school("a", 1)], year=2026)
        shown = results.item_cell(release, code="leadership-1")
        hidden = ResultCell.objects.filter(release=release, disclosure="suppressed", item__isnull=False).first()
        plan = factories.plan(organisation=world.org("a"), created_by=lead)
        action = factories.action(plan=plan, created_by=lead, findings=[
            services.FindingReference(release.pk, shown.key, "Feeling listened to")])
    assert shown.disclosure == "full" and hidden is not None

    with pytest.raises(ValidationError) as unreleased:
        _publish(world, action=action, finding=services.FindingReference(release.pk, "organisation/-/-/item:nope"),
                 quote_figure=True)
    with pytest.raises(ValidationError) as suppressed:
        _publish(world, action=action, finding=services.FindingReference(release.pk, hidden.key), quote_figure=True)
    post = _publish(world, action=action, finding=services.FindingReference(release.pk, shown.key, "Listened to"),
                    quote_figure=True)

    assert [e.code for e in unreleased.value.error_dict["finding"]] == ["figure_not_reportable"]
    assert [e.code for e in suppressed.value.error_dict["finding"]] == ["figure_not_reportable"]
    assert (post.quoted_value, post.quoted_unit) == (Decimal(shown.pct_favourable), "%")
    assert post.quoted_on == release.published_on and "whole organisation" in post.finding_label
    with organisation_scope(world.org("a")):
        assert YouSaidWeDid.objects.count() == 1


def test_the_weekly_digest_goes_to_those_who_asked_with_only_their_updates(world, staff_of_school_1, signed_in):
    client = signed_in(staff_of_school_1)
    assert client.post("/o/trust-a/you-said-we-did/digest/", {"digest": "on"}).status_code == 302
    other = UserFactory(email="not-subscribed@a.example.org")
    with organisation_scope(world.org("a")):
        from wellbeing.tenancy.models import Membership

        Membership.objects.create(user=other, role="staff")
        subscription = DigestSubscription.objects.get(user=staff_of_school_1)
        DigestSubscription.objects.filter(pk=subscription.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=1))
    _publish(world, you_said="School 1 said meetings run late.", school=world.school("a", 0))
    _publish(world, you_said="School 2 said the staffroom is cold.", school=world.school("a", 1))

    with organisation_scope(world.org("a")):
        sent = services.digest_send_due()
        again = services.digest_send_due()

    assert (sent, again) == (1, 0)
    [message] = mail.outbox
    assert message.to == [staff_of_school_1.email]
    assert "School 1 said meetings run late." in message.body
    assert "staffroom" not in message.body
    assert client.post("/o/trust-a/you-said-we-did/digest/", {"digest": "off"}).status_code == 302
    with organisation_scope(world.org("a")):
        assert not DigestSubscription.objects.exists()
