"""Storing answers: one anonymous response per link, nothing stored when anything is wrong."""

import time
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from surveys import services
from surveys.aggregation import stored
from surveys.aggregation.stored import stored_rows
from surveys.models import Draft, Invitation, ResponseCount
from surveys.services import Outcome, SubmissionRefused
from surveys.tests.factories import full_answers, invite, make_survey
from wellbeing.tenancy.context import organisation_scope


@pytest.fixture
def open_survey(world):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), open_it=True)
        invitation, token = invite(survey, world.school("a", 1))
    return survey, invitation, token


def submit(token, survey, **overrides):
    payload = {
        "answers": full_answers(survey),
        "demographics": {"job_category": "teacher", "age_band": "prefer_not_to_say"},
        "comments": {"one-improvement": "Fewer meetings after school."},
        "language": "fr",
    }
    payload.update(overrides)
    return services.response_submit(token=token, **payload)


def test_a_submission_stores_an_anonymous_response_and_marks_the_invitation(world, open_survey):
    survey, invitation, token = open_survey
    with organisation_scope(world.org("a")):
        answers = full_answers(survey)
        na_item = survey.instrument.items.filter(allows_not_applicable=True).first()
        answers[na_item.code] = "na"
        skipped = survey.instrument.items.exclude(pk=na_item.pk).first()
        answers[skipped.code] = None

    result = submit(token, survey, answers=answers)

    assert result.outcome is Outcome.STORED
    with organisation_scope(world.org("a")):
        response = stored.the_response()
        assert isinstance(response.pk, uuid.UUID) and response.pk.version == 4
        assert response.school == world.school("a", 1)
        assert response.submitted_on == timezone.localdate(timezone=ZoneInfo(survey.time_zone))
        assert response.demographics == {"job_category": "teacher", "age_band": "prefer_not_to_say"}
        assert response.language == "fr"
        assert stored.answers(response=response).count() == len(answers) - 1  # skipped: no row
        assert stored.answers(response=response, item=na_item).get().not_applicable is True
        comment = stored.comments().get()
        assert (comment.text, comment.school, comment.survey) == (
            "Fewer meetings after school.", world.school("a", 1), survey,
        )
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.RESPONDED
    with organisation_scope(world.org("b")):
        assert stored_rows() == (0, 0, 0)


def test_a_double_submit_stores_one_response(world, open_survey):
    survey, _invitation, token = open_survey
    first = submit(token, survey)
    second = submit(token, survey, answers=full_answers(survey, value=1), comments={"anything-else": "Again"})

    assert (first.outcome, second.outcome) == (Outcome.STORED, Outcome.ALREADY_SUBMITTED)
    with organisation_scope(world.org("a")):
        assert stored_rows() == (1, 48, 1)
        assert set(stored.answers().values_list("value", flat=True)) == {4}  # the first answers stand


@pytest.mark.parametrize("forge", [
    lambda token: "A" * 22,                                         # made up
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character changed
    lambda token: token + "x",                                      # lengthened
    lambda token: "",                                               # empty
])
def test_forged_or_tampered_tokens_store_nothing(world, open_survey, forge):
    survey, invitation, token = open_survey
    with pytest.raises(SubmissionRefused) as refused:
        submit(forge(token), survey)
    assert refused.value.code == "unknown_link"
    with organisation_scope(world.org("a")):
        assert stored_rows() == (0, 0, 0)
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.SENT


def test_a_used_token_stores_nothing_more(world, open_survey):
    survey, _invitation, token = open_survey
    submit(token, survey)
    with organisation_scope(world.org("a")):
        before = stored_rows()
    assert submit(token, survey, comments={"anything-else": "Someone else"}).outcome is Outcome.ALREADY_SUBMITTED
    with organisation_scope(world.org("a")):
        assert stored_rows() == before
        assert not stored.comments(text="Someone else").exists()


def test_a_closed_survey_takes_no_answers(world, open_survey):
    survey, invitation, token = open_survey
    with organisation_scope(world.org("a")):
        services.survey_close(survey=survey)
    with pytest.raises(SubmissionRefused) as refused:
        submit(token, survey)
    assert refused.value.code == "closed"
    with organisation_scope(world.org("a")):
        assert stored_rows() == (0, 0, 0)
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.SENT


def test_a_survey_past_its_closing_time_takes_no_answers_even_before_the_beat_closes_it(world, open_survey):
    survey, _invitation, token = open_survey
    with organisation_scope(world.org("a")):
        type(survey).objects.filter(pk=survey.pk).update(
            opens_at=timezone.now() - timezone.timedelta(days=3), closes_at=timezone.now() - timezone.timedelta(seconds=1)
        )
    with pytest.raises(SubmissionRefused, match="closed"):
        submit(token, survey)
    with organisation_scope(world.org("a")):
        assert stored_rows() == (0, 0, 0)


def test_a_survey_that_has_not_opened_takes_no_answers(world):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), opens_in=timezone.timedelta(days=1))
        services.survey_schedule(survey=survey)
        _invitation, token = invite(survey, world.school("a"))
    with pytest.raises(SubmissionRefused) as refused:
        submit(token, survey)
    assert refused.value.code == "not_open"
    with organisation_scope(world.org("a")):
        assert stored_rows() == (0, 0, 0)


def test_bad_answers_are_named_and_nothing_is_stored(world, open_survey):
    survey, invitation, token = open_survey
    with organisation_scope(world.org("a")):
        no_na = survey.instrument.items.get(code="control-1")  # offers no "not applicable"
        services.draft_save(token=token, answers={no_na.code: 3})
    answers = {"not-an-item": 3, "workload-1": 6, no_na.code: "na", "workload-2": "often"}

    with pytest.raises(ValidationError) as error:
        submit(token, survey, answers=answers, demographics={"job_category": "astronaut"}, language="de")

    messages = error.value.message_dict
    assert any("not-an-item" in m for m in messages["answers"])
    assert any("workload-1" in m and "1 to 5" in m for m in messages["answers"])
    assert any(no_na.code in m and "not applicable" in m for m in messages["answers"])
    assert any("workload-2" in m for m in messages["answers"])
    assert any("astronaut" in m for m in messages["demographics"])
    assert "language" in messages
    with organisation_scope(world.org("a")):
        assert stored_rows() == (0, 0, 0)
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.SENT
        assert Draft.objects.filter(token_hash=invitation.token_hash).exists()  # nothing typed is lost


@pytest.mark.parametrize(("part", "sent", "message"), [
    ("answers", ["workload-1", 4], "map item codes to values"),
    ("demographics", "teacher", "map question codes to option codes"),
    ("comments", 42, "map question codes to text"),
])
def test_a_part_that_is_not_a_mapping_is_refused_by_name(world, open_survey, part, sent, message):
    survey, invitation, token = open_survey
    with pytest.raises(ValidationError) as error:
        submit(token, survey, **{part: sent})
    assert any(message in m for m in error.value.message_dict[part])
    with organisation_scope(world.org("a")):
        assert stored_rows() == (0, 0, 0)
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.SENT


def test_an_empty_submission_is_refused(world, open_survey):
    survey, _invitation, token = open_survey
    with pytest.raises(ValidationError, match="at least one question"):
        submit(token, survey, answers={})


def test_the_draft_is_kept_until_submit_and_then_deleted(world, open_survey):
    survey, invitation, token = open_survey
    services.draft_save(token=token, answers={"workload-1": 2}, demographics={"job_category": "support"}, language="cy")
    with organisation_scope(world.org("a")):
        draft = Draft.objects.get(token_hash=invitation.token_hash)
        assert (draft.answers, draft.language, draft.expires_at) == ({"workload-1": 2}, "cy", survey.closes_at)

    submit(token, survey)

    with organisation_scope(world.org("a")):
        assert not Draft.objects.exists()


def test_closing_a_survey_deletes_its_drafts(world, open_survey):
    survey, _invitation, token = open_survey
    services.draft_save(token=token, answers={"workload-1": 2})
    with organisation_scope(world.org("a")):
        services.survey_close(survey=survey)
        assert not Draft.objects.exists()


def test_the_day_of_submission_follows_the_survey_time_zone(world):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), open_it=True, time_zone="Pacific/Kiritimati")
        _invitation, token = invite(survey, world.school("a"))
    submit(token, survey)
    with organisation_scope(world.org("a")):
        assert stored.the_response().submitted_on == timezone.localdate(timezone=ZoneInfo("Pacific/Kiritimati"))


@pytest.mark.celery
def test_a_submission_refreshes_the_response_counts_through_the_worker(world, celery_worker):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), open_it=True)
        tokens = [invite(survey, world.school("a"))[1] for _ in range(3)]
    for token in tokens[:2]:
        submit(token, survey)

    deadline = time.monotonic() + 30
    while True:
        with organisation_scope(world.org("a")):
            counts = {c.school_id: (c.invited, c.responded) for c in ResponseCount.objects.filter(survey=survey)}
        if counts.get(world.school("a").pk) == (3, 2) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert counts == {world.school("a").pk: (3, 2), world.school("a", 1).pk: (0, 0)}


def test_two_simultaneous_submits_of_one_link_store_one_response(transactional_db, world):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection

    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), open_it=True)
        _invitation, token = invite(survey, world.school("a"))
    answers = full_answers(survey)
    start = Barrier(2)

    def double_click(_):
        try:
            start.wait()
            return services.response_submit(token=token, answers=answers).outcome
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(double_click, range(2)), key=lambda outcome: outcome.value)

    assert outcomes == [Outcome.ALREADY_SUBMITTED, Outcome.STORED]
    with organisation_scope(world.org("a")):
        assert stored_rows() == (1, 48, 0)
