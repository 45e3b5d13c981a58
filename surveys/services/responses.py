"""Storing what staff answer: drafts as they go, and the anonymous response on submit."""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wellbeing.tenancy.context import organisation_scope, platform_scope
from wellbeing.tenancy.tokens import token_hash

from ..models import (
    NOT_APPLICABLE,
    Answer,
    Comment,
    CommentQuestion,
    Draft,
    Invitation,
    Item,
    Response,
    ResponseCount,
    Survey,
)
from ..selectors import survey_demographic_questions, survey_school_ids

MAX_COMMENT = 5000
MAX_TOKEN = 200


class SubmissionRefused(ValidationError):
    """The link cannot take answers (unknown, not yet open, closed). Nothing was stored."""

    MESSAGES = {
        "unknown_link": gettext_lazy("This survey link is not valid. Check that you copied the whole link."),
        "not_open": gettext_lazy("This survey has not opened yet."),
        "closed": gettext_lazy("This survey has closed."),
    }

    def __init__(self, code: str):
        super().__init__(self.MESSAGES[code], code=code)


class Outcome(enum.Enum):
    STORED = "stored"
    ALREADY_SUBMITTED = "already_submitted"


@dataclass(frozen=True)
class Submission:
    outcome: Outcome
    organisation_id: int
    survey_id: int

    @property
    def stored(self) -> bool:
        return self.outcome is Outcome.STORED


def _invitation_reference(token) -> tuple[int, int]:
    """(organisation id, invitation id) for a token. The organisation is not known before the
    token is: this is the one platform-level read, on the invitation only."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        raise SubmissionRefused("unknown_link")
    with platform_scope():
        found = (
            Invitation.objects.unscoped()
            .filter(token_hash=token_hash(token))
            .values_list("organisation_id", "pk")
            .first()
        )
    if found is None:
        raise SubmissionRefused("unknown_link")
    return found


def _check_open(survey: Survey, now: datetime.datetime) -> None:
    if survey.status == Survey.Status.CLOSED or now >= survey.closes_at:
        raise SubmissionRefused("closed")
    if survey.status != Survey.Status.OPEN or now < survey.opens_at:
        raise SubmissionRefused("not_open")


def _clean_answers(survey: Survey, answers, *, partial: bool) -> dict[int, int | None]:
    """{item id: value or None for "not applicable"}; raises naming every bad item."""
    if answers is None:
        answers = {}
    if not isinstance(answers, Mapping):
        raise ValidationError({"answers": _("Answers must map item codes to values.")})
    items = {item.code: item for item in Item.objects.filter(instrument_id=survey.instrument_id)}
    cleaned, errors = {}, []
    for code, value in answers.items():
        item = items.get(str(code))
        if item is None:
            errors.append(ValidationError(_("Unknown item %(code)r.") % {"code": code}, code="unknown_item"))
            continue
        if value is None or value == "":
            continue  # skipped: no row
        if value == NOT_APPLICABLE:
            if not item.allows_not_applicable:
                errors.append(ValidationError(
                    _("Item %(code)s does not offer 'not applicable'.") % {"code": code},
                    code="not_applicable_not_offered",
                ))
                continue
            cleaned[item.pk] = None
            continue
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value)
        if number is None or not 1 <= number <= 5:
            errors.append(ValidationError(
                _("Item %(code)s needs a value from 1 to 5 (got %(value)r).") % {"code": code, "value": value},
                code="out_of_range",
            ))
            continue
        cleaned[item.pk] = number
    if not errors and not cleaned and not partial:
        errors.append(ValidationError(_("Answer at least one question before sending."), code="empty"))
    if errors:
        raise ValidationError({"answers": errors})
    return cleaned


def _clean_demographics(survey: Survey, demographics) -> dict[str, str]:
    if demographics is None:
        demographics = {}
    if not isinstance(demographics, Mapping):
        raise ValidationError({"demographics": _("Demographic answers must map question codes to option codes.")})
    questions = {question.code: question for question in survey_demographic_questions(survey=survey)}
    cleaned, errors = {}, []
    for code, option in demographics.items():
        question = questions.get(str(code))
        if question is None:
            errors.append(ValidationError(_("Unknown question %(code)r.") % {"code": code}, code="unknown_question"))
        elif option in (None, ""):
            continue
        elif option not in question.option_codes:
            errors.append(ValidationError(
                _("%(option)r is not an answer to %(code)s.") % {"option": option, "code": code},
                code="unknown_option",
            ))
        else:
            cleaned[question.code] = option
    if errors:
        raise ValidationError({"demographics": errors})
    return cleaned


def _clean_comments(survey: Survey, comments) -> dict[int, str]:
    if comments is None:
        comments = {}
    if not isinstance(comments, Mapping):
        raise ValidationError({"comments": _("Comments must map question codes to text.")})
    questions = {q.code: q for q in CommentQuestion.objects.filter(instrument_id=survey.instrument_id)}
    cleaned, errors = {}, []
    for code, text in comments.items():
        question = questions.get(str(code))
        if question is None:
            errors.append(ValidationError(_("Unknown question %(code)r.") % {"code": code}, code="unknown_question"))
            continue
        text = (text or "").strip() if isinstance(text, str) else None
        if text is None or len(text) > MAX_COMMENT:
            errors.append(ValidationError(
                _("A comment is text of at most %(max)d characters.") % {"max": MAX_COMMENT}, code="too_long"
            ))
        elif text:
            cleaned[question.pk] = text
    if errors:
        raise ValidationError({"comments": errors})
    return cleaned


def _clean_language(survey: Survey, language) -> str:
    if not language:
        return survey.languages[0]
    if language not in survey.languages:
        raise ValidationError({"language": _("This survey is not offered in %(language)r.") % {"language": language}})
    return language


def response_submit(*, token: str, answers, demographics=None, comments=None, language=None) -> Submission:
    """Store one person's answers anonymously, once.

    In one transaction: the Response (random id, school, today's date in the survey's time
    zone, coded demographic answers, language), its Answers, the Comments (own table, not linked
    to the response), the Invitation marked responded, the Draft deleted. A second submit with
    the same token stores nothing and returns ALREADY_SUBMITTED (double click, retry, back
    button). Raises SubmissionRefused for an unknown or tampered link and for a survey that is
    not open, ValidationError naming each bad answer; nothing is stored in either case."""
    organisation_id, invitation_id = _invitation_reference(token)
    with organisation_scope(organisation_id):
        # The row lock makes two simultaneous submits of one link queue up: the second sees
        # "responded" and stores nothing.
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        if invitation.status == Invitation.Status.RESPONDED:
            return Submission(Outcome.ALREADY_SUBMITTED, organisation_id, invitation.survey_id)
        survey = Survey.objects.get(pk=invitation.survey_id)
        now = timezone.now()
        _check_open(survey, now)
        errors = {}
        cleaned = {}
        for name, clean in (
            ("answers", lambda: _clean_answers(survey, answers, partial=False)),
            ("demographics", lambda: _clean_demographics(survey, demographics)),
            ("comments", lambda: _clean_comments(survey, comments)),
            ("language", lambda: _clean_language(survey, language)),
        ):
            try:
                cleaned[name] = clean()
            except ValidationError as error:
                errors.update(error.message_dict if hasattr(error, "error_dict") else {name: error.messages})
        if errors:
            raise ValidationError(errors)

        response = Response.objects.create(
            organisation_id=organisation_id,
            survey=survey,
            school_id=invitation.school_id,
            submitted_on=timezone.localdate(now, timezone=ZoneInfo(survey.time_zone)),
            demographics=cleaned["demographics"],
            language=cleaned["language"],
        )
        Answer.objects.bulk_create(
            Answer(
                organisation_id=organisation_id, response=response, item_id=item_id,
                value=value, not_applicable=value is None,
            )
            for item_id, value in cleaned["answers"].items()
        )
        Comment.objects.bulk_create(
            Comment(
                organisation_id=organisation_id, survey=survey, school_id=invitation.school_id,
                question_id=question_id, text=text,
            )
            for question_id, text in cleaned["comments"].items()
        )
        invitation.status = Invitation.Status.RESPONDED
        invitation.save(update_fields=["status"])
        Draft.objects.filter(token_hash=invitation.token_hash).delete()

        from ..tasks import response_counts_refresh_task

        survey_id = survey.pk
        transaction.on_commit(lambda: response_counts_refresh_task.delay(organisation_id, survey_id))
    return Submission(Outcome.STORED, organisation_id, survey.pk)


def draft_save(*, token: str, answers=None, demographics=None, comments=None, language=None) -> Draft:
    """Keep what a person has answered so far, under their link, until they submit or the
    survey closes. Checked like a submission, except that it may be incomplete."""
    organisation_id, invitation_id = _invitation_reference(token)
    with organisation_scope(organisation_id):
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        survey = Survey.objects.get(pk=invitation.survey_id)
        if invitation.status == Invitation.Status.RESPONDED:
            raise ValidationError(_("You have already sent your answers. Thank you."), code="already_submitted")
        _check_open(survey, timezone.now())
        _clean_answers(survey, answers, partial=True)
        _clean_demographics(survey, demographics)
        _clean_comments(survey, comments)
        draft, _created = Draft.objects.update_or_create(
            token_hash=invitation.token_hash,
            defaults={
                "organisation_id": organisation_id,
                "survey": survey,
                "answers": dict(answers or {}),
                "demographics": dict(demographics or {}),
                "comments": dict(comments or {}),
                "language": _clean_language(survey, language),
                "expires_at": survey.closes_at,
            },
        )
    return draft


def response_counts_refresh(*, survey: Survey) -> list[ResponseCount]:
    """Recount invited and responded people per school of the survey (counts only; an upsert,
    so running it twice is harmless)."""
    invited = dict(
        Invitation.objects.filter(survey=survey).values_list("school_id").annotate(n=Count("pk"))
    )
    responded = dict(
        Response.objects.filter(survey=survey).values_list("school_id").annotate(n=Count("pk"))
    )
    return ResponseCount.objects.bulk_create(
        [
            ResponseCount(
                organisation_id=survey.organisation_id, survey=survey, school_id=school_id,
                invited=invited.get(school_id, 0), responded=responded.get(school_id, 0),
            )
            for school_id in sorted(set(survey_school_ids(survey=survey)) | set(invited) | set(responded))
        ],
        update_conflicts=True,
        unique_fields=["survey", "school"],
        update_fields=["invited", "responded"],
    )
