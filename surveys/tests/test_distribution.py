"""Getting the survey to staff: invitations, reminders, shared links, and the response-rate page."""

from __future__ import annotations

import datetime
import re
import time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from surveys import services
from surveys.models import Draft, Invitation, ResponseCount, SchoolLink
from surveys.tests.factories import full_answers, invite, make_survey
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role
from wellbeing.tenancy.tests.factories import StaffMemberFactory
from wellbeing.tenancy.tokens import token_hash

LINK = re.compile(r"https?://[^/\s]+/s/([A-Za-z0-9_-]{22})/")


def link_in(message) -> str:
    found = LINK.findall(message.body)
    assert len(found) == 1, message.body
    return found[0]


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


# --- Invitations ---------------------------------------------------------------------------------
@pytest.mark.celery
def test_invitations_go_to_every_active_person_of_the_included_schools_and_nobody_else(world, celery_worker):
    a, b = world.org("a"), world.org("b")
    with organisation_scope(a):
        included = [StaffMemberFactory(school=world.school("a", 0)) for _ in range(3)]
        included.append(StaffMemberFactory(school=world.school("a", 0), email="Mixed.Case@a.example.org"))
        StaffMemberFactory(school=world.school("a", 0), is_active=False, email="leaver@a.example.org")
        StaffMemberFactory(school=world.school("a", 1), email="other-school@a.example.org")
        survey = make_survey(organisation=a, schools=[world.school("a", 0)], open_it=True)
    with organisation_scope(b):
        StaffMemberFactory(school=world.school("b", 0), email="someone@b.example.org")
    mail.outbox.clear()

    with organisation_scope(a):
        queued = services.survey_invite(survey=survey)

    assert sorted(queued) == sorted(person.pk for person in included)
    assert wait_for(lambda: len(mail.outbox) >= 4)
    time.sleep(0.5)  # nothing more is on its way
    assert sorted(m.to[0] for m in mail.outbox) == sorted(person.email for person in included)
    tokens = [link_in(message) for message in mail.outbox]
    with organisation_scope(a):
        stored = set(Invitation.objects.filter(survey=survey).values_list("token_hash", flat=True))
        assert stored == {token_hash(token) for token in tokens}
        assert not any(token in str(list(Invitation.objects.values())) for token in tokens)
    assert wait_for(lambda: _counts(a, survey).get(world.school("a", 0).pk, (0, 0))[0] == 4)

    # Running it again invites nobody twice; a new joiner gets their invitation.
    mail.outbox.clear()
    with organisation_scope(a):
        assert services.survey_invite(survey=survey) == []
        joiner = StaffMemberFactory(school=world.school("a", 0), email="joiner@a.example.org")
        assert services.survey_invite(survey=survey) == [joiner.pk]
    assert wait_for(lambda: len(mail.outbox) >= 1)
    time.sleep(0.5)
    assert [m.to for m in mail.outbox] == [["joiner@a.example.org"]]


def _counts(organisation, survey):
    with organisation_scope(organisation):
        return {c.school_id: (c.invited, c.responded) for c in ResponseCount.objects.filter(survey=survey)}


def test_an_invitation_email_is_in_the_organisations_language_and_its_link_works(world):
    organisation = world.org("a")
    organisation.default_language = "fr"
    organisation.save()
    with organisation_scope(organisation):
        survey = make_survey(organisation=organisation, open_it=True, title="Enquête bien-être")
        person = StaffMemberFactory(school=world.school("a"))
        mail.outbox.clear()
        invitation = services.invitation_send(survey=survey, staff_member=person)

    (message,) = mail.outbox
    assert message.to == [person.email]
    assert "Enquête bien-être" in message.subject
    assert "anonymes" in message.body or "anonyme" in message.body
    token = link_in(message)
    assert invitation.token_hash == token_hash(token)
    assert Client().get(f"/s/{token}/")["Location"] == "/s/survey/"


def test_invitations_are_refused_for_a_draft_survey(world):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"))
        with pytest.raises(Exception, match="scheduled or open"):
            services.survey_invite(survey=survey)
        assert not Invitation.objects.exists()


def test_an_email_that_cannot_be_sent_leaves_no_invitation(world, monkeypatch):
    import smtplib

    from django.core.mail import EmailMessage

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("mail server away")

    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), open_it=True)
        person = StaffMemberFactory(school=world.school("a"))
    monkeypatch.setattr(EmailMessage, "send", refuse)
    with organisation_scope(world.org("a")):
        with pytest.raises(smtplib.SMTPServerDisconnected):
            services.invitation_send(survey=survey, staff_member=person)
    with organisation_scope(world.org("a")):
        assert not Invitation.objects.exists()  # the next run invites them


# --- Reminders -----------------------------------------------------------------------------------
@pytest.fixture
def survey_with_reminders(world):
    """A survey that closes in 10 days with reminders 7 and 2 days before; three invitations
    sent 5 days ago; the second person has answered, the third has a saved draft."""
    with organisation_scope(world.org("a")):
        survey = make_survey(
            organisation=world.org("a"), open_it=True, closes_in=datetime.timedelta(days=10),
            reminder_days=[7, 2],
        )
        people = [invite(survey, world.school("a")) for _ in range(3)]
        Invitation.objects.update(sent_on=timezone.localdate() - datetime.timedelta(days=5))
    services.response_submit(token=people[1][1], answers=full_answers(survey))
    services.draft_save(token=people[2][1], answers={"workload-1": 2})
    return survey, people


def _reminder_day(survey, days_before):
    zone = ZoneInfo(survey.time_zone)
    closes_on = timezone.localtime(survey.closes_at, zone).date()
    return datetime.datetime.combine(closes_on - datetime.timedelta(days=days_before), datetime.time(10), zone)


def test_reminders_reach_only_people_who_have_not_answered(world, survey_with_reminders):
    survey, people = survey_with_reminders
    with organisation_scope(world.org("a")):
        assert services.survey_remind(survey=survey, now=_reminder_day(survey, 8)) == []  # not yet
        due = services.survey_remind(survey=survey, now=_reminder_day(survey, 7))
    assert sorted(due) == sorted([people[0][0].pk, people[2][0].pk])

    mail.outbox.clear()
    with organisation_scope(world.org("a")):
        for invitation_id in due:
            services.reminder_send(invitation_id=invitation_id, today=_reminder_day(survey, 7).date())
        # Once per reminder day, whoever calls again.
        assert services.survey_remind(survey=survey, now=_reminder_day(survey, 7)) == []
        assert services.reminder_send(invitation_id=due[0], today=_reminder_day(survey, 7).date()) is None
        reminded = dict(Invitation.objects.values_list("pk", "reminded_on"))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([people[0][0].staff_member.email, people[2][0].staff_member.email])
    assert reminded[people[1][0].pk] is None
    assert reminded[people[0][0].pk] == _reminder_day(survey, 7).date()
    assert all("The link in earlier emails no longer works" in m.body for m in mail.outbox)

    with organisation_scope(world.org("a")):  # the next reminder day reaches them again
        assert sorted(services.survey_remind(survey=survey, now=_reminder_day(survey, 2))) == sorted(due)


def test_a_reminder_link_replaces_the_old_one_and_resumes_the_draft(world, survey_with_reminders):
    survey, people = survey_with_reminders
    invitation, old_token = people[2]
    mail.outbox.clear()
    with organisation_scope(world.org("a")):
        services.reminder_send(invitation_id=invitation.pk, today=_reminder_day(survey, 7).date())
    new_token = link_in(mail.outbox[0])

    assert new_token != old_token
    assert Client().get(f"/s/{old_token}/")["Location"] == "/s/link/not-valid/"
    with organisation_scope(world.org("a")):
        assert Draft.objects.get().token_hash == token_hash(new_token)
    client = Client()
    assert client.get(f"/s/{new_token}/")["Location"] == "/s/survey/"
    html = client.get("/s/survey/1/").content.decode()
    assert re.search(r'name="workload-1" type="radio" value="2" checked', html)


def test_a_browser_still_on_the_old_link_is_told_to_use_the_new_one(world, survey_with_reminders):
    survey, people = survey_with_reminders
    invitation, old_token = people[0]
    client = Client()
    client.get(f"/s/{old_token}/")
    with organisation_scope(world.org("a")):
        services.reminder_send(invitation_id=invitation.pk, today=_reminder_day(survey, 7).date())

    response = client.get("/s/survey/1/")

    assert response.status_code == 404
    assert "If you have had a reminder email, open the link in it" in response.content.decode()


# --- The response-rate page ----------------------------------------------------------------------
@pytest.fixture
def rates(world):
    """Survey of trust A's two schools (k = 5): six invited at school 1 (two answered), two at school 2."""
    a = world.org("a")
    with organisation_scope(a):
        survey = make_survey(organisation=a, open_it=True)
        first = [invite(survey, world.school("a", 0)) for _ in range(6)]
        for _ in range(2):
            invite(survey, world.school("a", 1))
    for _invitation, token in first[:2]:
        services.response_submit(token=token, answers=full_answers(survey))
    with organisation_scope(a):
        services.response_counts_refresh(survey=survey)
    return survey


def rates_url(organisation, survey):
    return f"/o/{organisation.slug}/surveys/{survey.pk}/responses/"


def rows(html):
    found = {}
    for match in re.finditer(r'<tr class="govuk-table__row" (data-school="(\d+)"|data-total)>(.*?)</tr>', html, re.S):
        key = int(match[2]) if match[2] else "total"
        cells = match[3]
        if "data-suppressed" in cells:
            found[key] = "suppressed"
        else:
            numbers = re.findall(r"data-(invited|responded|rate)>(\d+)", cells)
            found[key] = tuple(int(value) for _name, value in numbers)
    return found


def test_an_organisation_lead_sees_every_school_with_counts_only_where_k_were_invited(world, rates, signed_in):
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))

    response = client.get(rates_url(world.org("a"), rates))

    html = response.content.decode()
    assert rows(html) == {
        world.school("a", 0).pk: (6, 2, 33),
        world.school("a", 1).pk: "suppressed",
        "total": (8, 2, 25),
    }
    assert "Fewer than 5 invited" in html


def test_a_school_lead_sees_their_school_and_the_organisation_total_only(world, rates, signed_in):
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))  # lead of school 1

    html = client.get(rates_url(world.org("a"), rates)).content.decode()

    assert rows(html) == {world.school("a", 0).pk: (6, 2, 33), "total": (8, 2, 25)}
    assert world.school("a", 1).name not in html


@pytest.mark.parametrize("role", [Role.GOVERNOR, Role.PARTNER, Role.STAFF, Role.TRUSTEE, Role.ORGANISATION_ADMIN])
def test_the_response_rate_page_is_not_found_for_other_roles(world, rates, signed_in, role):
    client = signed_in(world.user("a", role))

    assert client.get(rates_url(world.org("a"), rates)).status_code == 404


def test_the_response_rate_page_is_not_found_for_another_organisation(world, rates, signed_in):
    client = signed_in(world.user("b", Role.ORGANISATION_LEAD))

    assert client.get(rates_url(world.org("b"), rates)).status_code == 404
    assert client.get(rates_url(world.org("a"), rates)).status_code == 404


def test_a_school_lead_whose_school_is_not_in_the_survey_gets_404(world, signed_in):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), schools=[world.school("a", 1)], open_it=True)
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))

    assert client.get(rates_url(world.org("a"), survey)).status_code == 404


def test_a_lead_can_send_the_invitations_not_yet_sent(world, rates, signed_in, django_capture_on_commit_callbacks):
    with organisation_scope(world.org("a")):
        StaffMemberFactory(school=world.school("a", 1), email="new@a.example.org")
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/o/trust-a/surveys/{rates.pk}/invitations/send/", follow=True)

    assert "1 invitation is being sent." in response.content.decode()
    assert len(callbacks) == 1
    school_lead = signed_in(world.user("a", Role.SCHOOL_LEAD))
    assert school_lead.post(f"/o/trust-a/surveys/{rates.pk}/invitations/send/").status_code == 404


# --- Shared links and the poster -----------------------------------------------------------------
def test_a_lead_makes_a_shared_link_and_prints_its_poster(world, signed_in):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), open_it=True)
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))
    school = world.school("a", 0)

    response = client.post(f"/o/trust-a/surveys/{survey.pk}/school-links/{school.pk}/", follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/o/trust-a/surveys/{survey.pk}/school-links/{school.pk}/poster/"
    assert '<svg class="sw-poster__qr" role="img"' in html
    token = LINK.search(html)[1]
    with organisation_scope(world.org("a")):
        link = SchoolLink.objects.get()
        assert link.token_hash == token_hash(token) and token not in str(SchoolLink.objects.values().get())
    assert client.get(f"/o/trust-a/surveys/{survey.pk}/school-links/{school.pk}/poster/").content.decode().count(token) >= 1

    # Replacing it: the printed link stops working.
    client.post(f"/o/trust-a/surveys/{survey.pk}/school-links/{school.pk}/")
    assert Client().get(f"/s/{token}/")["Location"] == "/s/link/not-valid/"


def test_a_school_lead_cannot_touch_another_schools_link(world, signed_in):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), open_it=True)
        services.school_link_rotate(survey=survey, school=world.school("a", 1))
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))  # lead of school 1 (index 0)
    other = world.school("a", 1)

    assert client.get(f"/o/trust-a/surveys/{survey.pk}/school-links/{other.pk}/poster/").status_code == 404
    assert client.post(f"/o/trust-a/surveys/{survey.pk}/school-links/{other.pk}/").status_code == 404
    listing = client.get(f"/o/trust-a/surveys/{survey.pk}/school-links/").content.decode()
    assert world.school("a", 0).name in listing and other.name not in listing
    governor = signed_in(world.user("a", Role.GOVERNOR))
    assert governor.get(f"/o/trust-a/surveys/{survey.pk}/school-links/").status_code == 404


def test_the_schedule_invites_and_reminds_for_open_surveys_only(world, django_capture_on_commit_callbacks):
    from surveys.tasks import distribute_due

    with organisation_scope(world.org("a")):
        StaffMemberFactory(school=world.school("a", 0))
        make_survey(organisation=world.org("a"), open_it=True)
        make_survey(organisation=world.org("a"), title="Still a draft")
    with organisation_scope(world.org("b")):
        StaffMemberFactory(school=world.school("b", 0))
        make_survey(organisation=world.org("b"), open_it=True)

    with django_capture_on_commit_callbacks() as callbacks:
        totals = distribute_due()

    assert totals == {"invited": 2, "reminded": 0, "failed": 0}
    assert len(callbacks) == 2  # one batch per open survey, queued once committed
