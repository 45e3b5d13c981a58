"""The staff page: the published charter in the reader's language, their school's signed-off
self-assessment, acknowledgement (named, once per version) and anonymous comments (no person,
no time, shown to leads only in groups of at least k)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.urls import reverse

from charters import selectors, services
from charters.models import Acknowledgement, CommitmentComment, Rating
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role
from wellbeing.tenancy.tests.factories import MembershipFactory, StaffMemberFactory, UserFactory

from .factories import adopt, commitments, open_period, rate_all, review_of

CHARTER = "/o/trust-a/charter/"


def _staff_at(world, school_index: int, n: int, *, prefix="teacher"):
    """`n` people with a staff login and a place on school `school_index`'s roster."""
    org = world.org("a")
    people = []
    with organisation_scope(org):
        for i in range(n):
            user = UserFactory(email=f"{prefix}{school_index}-{i}@a.example.org")
            MembershipFactory(user=user, role=Role.STAFF)
            StaffMemberFactory(school=world.school("a", school_index), email=user.email)
            people.append(user)
    return people


@pytest.mark.django_db
def test_staff_read_the_published_charter_and_their_schools_signed_off_ratings_in_welsh(world, signed_in):
    org = world.org("a")
    version = adopt(org)
    period = open_period(org)
    rate_all(org, review_of(org, period, world.school("a", 0)), level=Rating.Level.DEVELOPING, sign_off=True)
    rate_all(org, review_of(org, period, world.school("a", 1)), level=Rating.Level.EMBEDDED)  # not signed off
    (teacher,) = _staff_at(world, 0, 1)
    client = signed_in(teacher)
    client.post("/i18n/setlang/", {"language": "cy", "next": CHARTER})

    html = client.get(CHARTER).content.decode()

    assert '<h1 class="govuk-heading-l">Ein siarter llesiant staff</h1>' in html
    assert "Byddwn yn cael gwared ar dasgau nad ydynt yn helpu disgyblion i ddysgu" in html
    assert html.count('class="govuk-tag govuk-tag--yellow"') == 14  # developing, school one's
    assert 'class="govuk-tag govuk-tag--green"' not in html  # school two's ratings are not signed off
    with organisation_scope(org):
        assert selectors.published_version(charter=version.charter) == version


@pytest.mark.django_db
def test_a_draft_charter_is_not_shown_to_staff(world, signed_in):
    adopt(world.org("a"), publish=False)
    client = signed_in(world.user("a", Role.STAFF))

    html = client.get(CHARTER).content.decode()

    assert "has not published a staff wellbeing charter yet" in html
    assert "Byddwn" not in html and "We will remove tasks" not in html


@pytest.mark.django_db
def test_staff_acknowledge_a_version_once(world, signed_in):
    org = world.org("a")
    version = adopt(org)
    staff = world.user("a", Role.STAFF)
    client = signed_in(staff)

    client.post(reverse("charters:acknowledge", kwargs={"org": "trust-a"}))
    client.post(reverse("charters:acknowledge", kwargs={"org": "trust-a"}))

    with organisation_scope(org):
        assert Acknowledgement.objects.filter(version=version).count() == 1
        acknowledgement = Acknowledgement.objects.get(version=version)
        assert acknowledgement.user == staff and acknowledgement.acknowledged_on == datetime.date.today()
        draft = services.charter_version_new_draft(charter=version.charter)
        services.charter_version_publish(version=draft)
    html = client.get(CHARTER).content.decode()
    # A new version is a new promise: it asks again.
    assert "I have read this charter" in html
    client.post(reverse("charters:acknowledge", kwargs={"org": "trust-a"}))
    with organisation_scope(org):
        assert Acknowledgement.objects.filter(user=staff).count() == 2


@pytest.mark.django_db
def test_comments_are_shown_to_leads_only_in_groups_of_at_least_k_shuffled_and_undated(world, signed_in):
    org = world.org("a")
    k = org.reporting_threshold
    version = adopt(org)
    first, second = commitments(org, version)[:2]
    people = _staff_at(world, 0, k)
    with organisation_scope(org):
        for i, person in enumerate(people):
            services.commitment_comment(commitment=first, user=person, text=f"Comment number {i} on meetings",
                                        school=world.school("a", 0))
        for person in people[: k - 1]:
            services.commitment_comment(commitment=second, user=person, text="Too few to show",
                                        school=world.school("a", 0))

    lead = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    html = lead.get(reverse("charters:comments", kwargs={"org": "trust-a"})).content.decode()

    assert all(f"Comment number {i} on meetings" in html for i in range(k))
    assert "Too few to show" not in html
    assert not re.search(r"\b20\d\d\b", html.split('id="group-1"', 1)[1].split("</section>", 1)[0])  # no dates
    orders = set()
    for _ in range(8):
        with organisation_scope(org):
            (group,) = selectors.comment_groups(version=version, school_ids=None, threshold=k)
        orders.add(tuple(group.texts))
    assert len(orders) > 1  # shuffled, not in the order they were written


@pytest.mark.django_db
def test_governors_partners_and_staff_never_read_comments_and_school_leads_read_only_their_school(world, signed_in):
    org = world.org("a")
    version = adopt(org)
    first = commitments(org, version)[0]
    k = org.reporting_threshold
    with organisation_scope(org):
        for i, person in enumerate(_staff_at(world, 1, k, prefix="other")):
            services.commitment_comment(commitment=first, user=person, text=f"From school two {i}",
                                        school=world.school("a", 1))
    url = reverse("charters:comments", kwargs={"org": "trust-a"})

    for role in (Role.GOVERNOR, Role.PARTNER, Role.STAFF, Role.TRUSTEE):
        assert signed_in(world.user("a", role)).get(url).status_code == 404
    school_lead = signed_in(world.user("a", Role.SCHOOL_LEAD)).get(url).content.decode()
    assert "From school two" not in school_lead  # their school is school one


@pytest.mark.django_db
def test_a_person_comments_once_per_commitment_and_contact_details_are_removed(world, signed_in):
    org = world.org("a")
    version = adopt(org)
    first = commitments(org, version)[0]
    client = signed_in(world.user("a", Role.STAFF))
    url = reverse("charters:comment", kwargs={"org": "trust-a", "commitment_id": first.pk})

    client.post(url, {"text": "Ask me: jo.bloggs@a.example.org or 07700 900123."})
    again = client.post(url, {"text": "A second go."})

    assert again.status_code == 400
    assert "You have already sent a comment on this commitment." in again.content.decode()
    with organisation_scope(org):
        (comment,) = CommitmentComment.objects.all()
        assert comment.text == "Ask me: [email removed] or [number removed]."
        assert comment.received_month == datetime.date.today().replace(day=1)
        with pytest.raises(ValidationError):
            services.commitment_comment(commitment=first, user=world.user("a", Role.STAFF), text="  ", school=None)


@pytest.mark.django_db(databases=["default", "owner"])
def test_the_comment_table_holds_no_person_no_time_of_day_and_no_link_to_who_wrote_it(world):
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            """
            SELECT column_name, data_type FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name = 'charters_commitmentcomment'
            """
        )
        columns = dict(cursor.fetchall())
        cursor.execute(
            """
            SELECT dst.relname FROM pg_constraint c
            JOIN pg_class src ON src.oid = c.conrelid JOIN pg_class dst ON dst.oid = c.confrelid
            WHERE c.contype = 'f' AND src.relname = 'charters_commitmentcomment'
            """
        )
        references = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            """
            SELECT dst.relname FROM pg_constraint c
            JOIN pg_class src ON src.oid = c.conrelid JOIN pg_class dst ON dst.oid = c.confrelid
            WHERE c.contype = 'f' AND dst.relname = 'charters_commitmentcomment'
            """
        )
        referenced_by = {row[0] for row in cursor.fetchall()}

    assert set(columns) == {"id", "organisation_id", "commitment_id", "school_id", "text", "received_month"}
    assert columns["id"] == "uuid"  # random, not a sequence that orders comments by arrival
    assert columns["received_month"] == "date"
    assert not {t for t in columns.values() if "time" in t or t in ("inet", "cidr", "interval")}
    assert references == {"tenancy_organisation", "charters_commitment", "tenancy_school"}
    assert referenced_by == set()
    # Who has commented is kept apart and shares nothing with the comments but the commitment.
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            """
            SELECT column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name = 'charters_commentsent'
            """
        )
        assert {row[0] for row in cursor.fetchall()} == {"id", "organisation_id", "commitment_id", "user_id"}


@pytest.mark.django_db
def test_staff_without_a_school_see_the_organisations_own_self_assessment(world, signed_in):
    org = world.org("a")
    adopt(org)
    period = open_period(org)
    rate_all(org, review_of(org, period, None), level=Rating.Level.EMBEDDED, sign_off=True)
    client = signed_in(world.user("a", Role.PARTNER))

    html = client.get(CHARTER).content.decode()

    assert "How Trust A rates itself" in html
    assert html.count('class="govuk-tag govuk-tag--green"') == 14
