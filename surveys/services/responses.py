"""Storing what staff answer: drafts as they go, and the anonymous response on submit."""

from __future__ import annotations

import contextlib
import datetime
import enum
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from psycopg.types.json import Jsonb

from wellbeing.tenancy.context import (
    current_organisation_id,
    current_organisation_id_or_none,
    organisation_scope,
    platform_scope,
)
from wellbeing.tenancy.tokens import token_hash

from ..models import (
    NOT_APPLICABLE,
    Answer,
    Comment,
    Draft,
    Invitation,
    Response,
    ResponseCount,
    SchoolLink,
    Survey,
)
from ..selectors import survey_school_ids
from ..shapes import demographic_questions, instrument_shape

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
    return _invitation_reference_by_hash(token_hash(token))


def _invitation_reference_by_hash(link_hash) -> tuple[int, int]:
    if not _is_hash(link_hash):
        raise SubmissionRefused("unknown_link")
    if current_organisation_id_or_none() is not None:
        # Called from a survey page, which already works for the link's organisation.
        found = Invitation.objects.filter(token_hash=link_hash).values_list("organisation_id", "pk").first()
        if found is None:
            raise SubmissionRefused("unknown_link")
        return found
    with platform_scope():
        found = (
            Invitation.objects.unscoped()
            .filter(token_hash=link_hash)
            .values_list("organisation_id", "pk")
            .first()
        )
    if found is None:
        raise SubmissionRefused("unknown_link")
    return found


_HASH = re.compile(r"[0-9a-f]{64}")


def _is_hash(value) -> bool:
    return isinstance(value, str) and _HASH.fullmatch(value) is not None


def _reference(token, invitation_hash) -> tuple[int, int]:
    if (token is None) == (invitation_hash is None):
        raise TypeError("Give either the link's token or its hash")
    return _invitation_reference(token) if token is not None else _invitation_reference_by_hash(invitation_hash)


def _check_open(survey: Survey, now: datetime.datetime) -> None:
    if survey.status == Survey.Status.CLOSED or now >= survey.closes_at:
        raise SubmissionRefused("closed")
    if survey.status != Survey.Status.OPEN or now < survey.opens_at:
        raise SubmissionRefused("not_open")


def _as_mapping(value, field: str, message: str) -> Mapping:
    """A submitted part (answers, demographics, comments): nothing sent is an empty mapping,
    anything but a mapping is refused with `message` under `field`."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError({field: message})
    return value


def _clean_answers(survey: Survey, answers, *, partial: bool) -> dict[int, int | None]:
    """{item id: value or None for "not applicable"}; raises naming every bad item."""
    answers = _as_mapping(answers, "answers", _("Answers must map item codes to values."))
    items = instrument_shape(survey).items_by_code
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
    demographics = _as_mapping(
        demographics, "demographics", _("Demographic answers must map question codes to option codes.")
    )
    questions = {question.code: question for question in demographic_questions(survey)}
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
    comments = _as_mapping(comments, "comments", _("Comments must map question codes to text."))
    questions = instrument_shape(survey).comment_questions_by_code
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


def response_submit(
    *, token: str | None = None, invitation_hash: str | None = None, answers, demographics=None,
    comments=None, language=None, survey: Survey | None = None,
) -> Submission:
    """Store one person's answers anonymously, once.

    In one transaction: the Response (random id, school, today's date in the survey's time
    zone, coded demographic answers, language), its Answers, the Comments (own table, not linked
    to the response), the Invitation marked responded, the Draft deleted. A second submit with
    the same token stores nothing and returns ALREADY_SUBMITTED (double click, retry, back
    button). Raises SubmissionRefused for an unknown or tampered link and for a survey that is
    not open, ValidationError naming each bad answer; nothing is stored in either case.

    The link is given by its token, or by the token's hash (`invitation_hash`) where a survey
    session holds the hash only. A survey page, already working in the organisation's scope,
    passes the `survey` it has loaded so that it is not read twice."""
    in_scope = current_organisation_id_or_none()
    if invitation_hash is not None and token is None and in_scope is not None:
        # Called from a survey page: the invitation is found by its hash in the page's scope.
        if not _is_hash(invitation_hash):
            raise SubmissionRefused("unknown_link")
        organisation_id, lookup = in_scope, {"token_hash": invitation_hash}
    else:
        organisation_id, invitation_id = _reference(token, invitation_hash)
        lookup = {"pk": invitation_id}
    with _scope_for_one_write(organisation_id):
        if survey is None or survey.organisation_id != organisation_id:
            survey = _invitation_survey(lookup)
        now = timezone.now()
        try:
            # Everything is checked before anything is written: the write below is a single
            # statement, so a refusal leaves nothing to undo.
            _check_open(survey, now)
            cleaned = _clean_submission(survey, answers, demographics, comments, language)
        except ValidationError:
            if _invitation_status(lookup)[0] == Invitation.Status.RESPONDED:
                return Submission(Outcome.ALREADY_SUBMITTED, organisation_id, survey.pk)  # a retry after sending
            raise
        if not _store_response(survey, cleaned, now, invitation=lookup):
            # Nothing claimed: already responded (a double click waits for the first one's
            # commit on the invitation's row lock, then finds it responded), or another survey's.
            status, survey_id = _invitation_status(lookup)
            if status == Invitation.Status.RESPONDED:
                return Submission(Outcome.ALREADY_SUBMITTED, organisation_id, survey.pk)
            if survey_id != survey.pk:
                return response_submit(
                    invitation_hash=invitation_hash, token=token, answers=answers, demographics=demographics,
                    comments=comments, language=language,
                )
            raise SubmissionRefused("unknown_link")
    return Submission(Outcome.STORED, organisation_id, survey.pk)


def _scope_for_one_write(organisation_id: int):
    """The organisation's scope, or nothing new where the caller's transaction already works in
    it: a submission writes in one statement, so it needs no savepoint of its own."""
    if current_organisation_id_or_none() == organisation_id and connection.in_atomic_block:
        return contextlib.nullcontext()
    return organisation_scope(organisation_id)


def _invitation_status(lookup: dict) -> tuple[str | None, int | None]:
    found = Invitation.objects.filter(**lookup).values_list("status", "survey_id").first()
    if found is None:
        raise SubmissionRefused("unknown_link")
    return found


def _invitation_survey(lookup: dict) -> Survey:
    _status, survey_id = _invitation_status(lookup)
    return Survey.objects.get(pk=survey_id)


def _clean_submission(survey: Survey, answers, demographics, comments, language) -> dict:
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
    return cleaned


# One statement writes a whole submission: the invitation claimed (personal links) or the school
# given (shared links), the Response, its Answers from two arrays, the Comments, and the Draft
# deleted. Fewer round trips and no model instance per answer on the busiest path of the survey;
# row-level security checks every row, as for any insert. A personal link's rows are written only
# if its invitation was still "sent": the UPDATE takes the invitation's row lock, so a second
# submit of the same link waits for the first one's commit, then claims nothing.
_CLAIM_INVITATION = """
    UPDATE {invitation} SET status = %(responded)s
    WHERE organisation_id = %(organisation)s AND {invitation_lookup} = %(invitation)s
      AND survey_id = %(survey)s AND status = %(sent)s
    RETURNING school_id, token_hash
"""
_GIVEN_SCHOOL = "SELECT %(school)s::bigint AS school_id, %(draft_key)s::text AS token_hash"
_STORE_SUBMISSION = """
    WITH claimed AS ({claim}),
    response AS (
        INSERT INTO {response} (id, organisation_id, survey_id, school_id, submitted_on, demographics, language)
        SELECT %(response)s, %(organisation)s, %(survey)s, school_id, %(day)s, %(demographics)s, %(language)s
        FROM claimed
        RETURNING id
    ),
    answers AS (
        INSERT INTO {answer} (organisation_id, response_id, item_id, value, not_applicable)
        SELECT %(organisation)s, response.id, a.item_id, a.value, a.value IS NULL
        FROM response, unnest(%(items)s::bigint[], %(values)s::smallint[]) AS a(item_id, value)
    ),
    comments AS (
        INSERT INTO {comment} (id, organisation_id, survey_id, school_id, question_id, text)
        SELECT c.id, %(organisation)s, %(survey)s, claimed.school_id, c.question_id, c.text
        FROM claimed, unnest(%(comment_ids)s::uuid[], %(questions)s::bigint[], %(texts)s::text[])
            AS c(id, question_id, text)
    ),
    draft AS (
        DELETE FROM {draft}
        WHERE organisation_id = %(organisation)s AND token_hash = (SELECT token_hash FROM claimed)
    )
    SELECT count(*) FROM claimed
"""


def _store_response(
    survey: Survey, cleaned: dict, now: datetime.datetime, *, invitation: dict | None = None,
    school_id: int | None = None, draft_key: str | None = None,
) -> bool:
    """The anonymous rows of one submission, and the count refresh once they are committed.

    Through a personal link, `invitation` ({"pk": id} or {"token_hash": hash}) is claimed in the
    same statement and its draft deleted; through a shared link, the rows go to `school_id` and
    the draft under `draft_key` is deleted. True if the rows were written."""
    organisation_id = survey.organisation_id
    quote = connection.ops.quote_name
    value = None
    if invitation is not None:
        (lookup, value), = invitation.items()
        claim = _CLAIM_INVITATION.format(
            invitation=quote(Invitation._meta.db_table), invitation_lookup="id" if lookup == "pk" else "token_hash"
        )
    else:
        claim = _GIVEN_SCHOOL
    sql = _STORE_SUBMISSION.format(
        claim=claim, response=quote(Response._meta.db_table), answer=quote(Answer._meta.db_table),
        comment=quote(Comment._meta.db_table), draft=quote(Draft._meta.db_table),
    )
    answers, comments = cleaned["answers"], cleaned["comments"]
    with connection.cursor() as cursor:
        cursor.execute(sql, {
            "organisation": organisation_id, "survey": survey.pk, "invitation": value, "school": school_id,
            "responded": Invitation.Status.RESPONDED.value, "sent": Invitation.Status.SENT.value,
            "response": uuid.uuid4(), "day": timezone.localdate(now, timezone=ZoneInfo(survey.time_zone)),
            "demographics": Jsonb(cleaned["demographics"]), "language": cleaned["language"],
            "items": list(answers), "values": list(answers.values()),
            "comment_ids": [uuid.uuid4() for _text in comments], "questions": list(comments),
            "texts": list(comments.values()), "draft_key": draft_key,
        })
        stored = cursor.fetchone()[0] > 0
    if stored:
        transaction.on_commit(lambda: response_counts_refresh_soon(organisation_id, survey.pk))
    return stored


# A burst of submissions (a staff meeting, a deadline) asks for one recount, not one per person.
COUNT_REFRESH_DELAY_SECONDS = 5


def response_counts_refresh_soon(organisation_id: int, survey_id: int) -> None:
    """Queue one recount of the survey's response counts a few seconds from now, unless one is
    already waiting: the live response-rate page lags by at most that delay."""
    from ..tasks import response_counts_refresh_task

    # This process queued a recount less than the key's lifetime ago: that recount runs later
    # than this submission's commit, so it counts it, and asking Redis again would only be
    # refused (one round trip per submission). A recount queued by another process is not
    # remembered: it may run before this commit.
    key = f"surveys:counts-refresh:{survey_id}"
    now = time.monotonic()
    if now - _recount_queued.get(key, -COUNT_REFRESH_DELAY_SECONDS) < COUNT_REFRESH_DELAY_SECONDS - 1:
        return
    if cache.add(key, 1, timeout=COUNT_REFRESH_DELAY_SECONDS - 1):
        if len(_recount_queued) > 1000:
            _recount_queued.clear()
        _recount_queued[key] = now
        response_counts_refresh_task.apply_async((organisation_id, survey_id), countdown=COUNT_REFRESH_DELAY_SECONDS)


_recount_queued: dict[str, float] = {}


def draft_save(
    *, token: str | None = None, invitation_hash: str | None = None, answers=None, demographics=None,
    comments=None, language=None,
) -> Draft:
    """Keep what a person has answered so far, under their link, until they submit or the
    survey closes. Checked like a submission, except that it may be incomplete. The link is
    given by its token or by the token's hash, as for response_submit."""
    organisation_id, invitation_id = _reference(token, invitation_hash)
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


# --- Survey links: personal invitations and shared school links ---------------------------------
class LinkKind(enum.StrEnum):
    INVITATION = "invitation"
    SCHOOL = "school"


@dataclass(frozen=True)
class SurveyLink:
    """A link someone opened, as the server knows it: by the keyed hash of its token only."""

    kind: LinkKind
    link_hash: str
    organisation_id: int
    survey_id: int
    school_id: int
    responded: bool = False


def survey_link_find(*, token: str | None = None, link_hash: str | None = None) -> SurveyLink | None:
    """The personal invitation or shared school link behind a token (or a token's hash), or None
    for an unknown, tampered or replaced link. The organisation is not known before the link
    is: this is a platform-level read of the two link tables, and nothing else."""
    if token is not None:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
            return None
        link_hash = token_hash(token)
    if not _is_hash(link_hash):
        return None
    if current_organisation_id_or_none() is not None:
        # A survey page that already works for the organisation its session names: the link is
        # looked for there only (row-level security hides every other organisation's links).
        return _link_in_organisation(link_hash)
    with platform_scope():
        return _link_in(Invitation.objects.unscoped(), SchoolLink.objects.unscoped(), link_hash)


def _link_in_organisation(link_hash: str) -> SurveyLink | None:
    """The link among the current organisation's, in one statement: every survey page looks
    its link up, so this skips the ORM's query building (row-level security still applies)."""
    organisation_id = current_organisation_id()
    invitations = connection.ops.quote_name(Invitation._meta.db_table)
    school_links = connection.ops.quote_name(SchoolLink._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT survey_id, school_id, status FROM {invitations} WHERE organisation_id = %s AND token_hash = %s",
            [organisation_id, link_hash],
        )
        invitation = cursor.fetchone()
        if invitation is not None:
            survey_id, school_id, status = invitation
            return SurveyLink(
                LinkKind.INVITATION, link_hash, organisation_id, survey_id, school_id,
                responded=status == Invitation.Status.RESPONDED,
            )
        cursor.execute(
            f"SELECT survey_id, school_id FROM {school_links} WHERE organisation_id = %s AND token_hash = %s",
            [organisation_id, link_hash],
        )
        shared = cursor.fetchone()
    if shared is not None:
        return SurveyLink(LinkKind.SCHOOL, link_hash, organisation_id, *shared)
    return None


def _link_in(invitations, school_links, link_hash: str) -> SurveyLink | None:
    invitation = (
        invitations.filter(token_hash=link_hash).values("organisation_id", "survey_id", "school_id", "status").first()
    )
    if invitation is not None:
        return SurveyLink(
            LinkKind.INVITATION, link_hash, invitation["organisation_id"], invitation["survey_id"],
            invitation["school_id"], responded=invitation["status"] == Invitation.Status.RESPONDED,
        )
    shared = school_links.filter(token_hash=link_hash).values("organisation_id", "survey_id", "school_id").first()
    if shared is not None:
        return SurveyLink(LinkKind.SCHOOL, link_hash, shared["organisation_id"], shared["survey_id"], shared["school_id"])
    return None


def _school_link_reference(link_hash) -> tuple[int, int]:
    if not _is_hash(link_hash):
        raise SubmissionRefused("unknown_link")
    with platform_scope():
        found = (
            SchoolLink.objects.unscoped().filter(token_hash=link_hash).values_list("organisation_id", "pk").first()
        )
    if found is None:
        raise SubmissionRefused("unknown_link")
    return found


def shared_visit_key(visit_key: str) -> str:
    """The cache key that marks one visit through a shared link as submitted."""
    return f"surveys:shared-visit:{visit_key}"


def shared_visit_submitted(*, visit_key: str) -> bool:
    return _is_hash(visit_key) and cache.get(shared_visit_key(visit_key)) is not None


def response_submit_shared(
    *, link_hash: str, visit_key: str, answers, demographics=None, comments=None, language=None,
) -> Submission:
    """Store answers sent through a school's shared link, anonymously, once per visit.

    A shared link has no invitation, so the visit (one browser's survey session, named by a
    random `visit_key` that also keys its draft) is what makes a double click, a retry or the
    back button harmless: the visit is claimed in Redis before the rows are written, and a
    second submit of it returns ALREADY_SUBMITTED. The Response, Answers and Comments are the
    same as through a personal link. Raises SubmissionRefused for an unknown or replaced link
    and a survey that is not open, ValidationError for bad answers; nothing is stored then.
    Call it outside any transaction of the caller's (as views do): the claim is released when
    this function's own transaction fails, not when an outer one is rolled back later."""
    organisation_id, link_id = _school_link_reference(link_hash)
    if not _is_hash(visit_key):
        raise SubmissionRefused("unknown_link")
    with organisation_scope(organisation_id):
        link = SchoolLink.objects.select_related("survey").get(pk=link_id)
        survey = link.survey
        now = timezone.now()
        _check_open(survey, now)
        cleaned = _clean_submission(survey, answers, demographics, comments, language)
        claim = shared_visit_key(visit_key)
        # Kept a day past the close: by then no submission can arrive for this survey anyway.
        keep = max(int((survey.closes_at - now).total_seconds()), 0) + 24 * 3600
        if not cache.add(claim, "1", timeout=keep):
            return Submission(Outcome.ALREADY_SUBMITTED, organisation_id, survey.pk)
        try:
            with transaction.atomic():
                _store_response(survey, cleaned, now, school_id=link.school_id, draft_key=visit_key)
        except BaseException:
            cache.delete(claim)
            raise
    return Submission(Outcome.STORED, organisation_id, survey.pk)


def draft_save_shared(
    *, link_hash: str, visit_key: str, answers=None, demographics=None, comments=None, language=None,
) -> Draft:
    """Keep what someone answering through a shared link has answered so far, under their
    visit's random key (many people share the link itself)."""
    organisation_id, link_id = _school_link_reference(link_hash)
    if not _is_hash(visit_key):
        raise SubmissionRefused("unknown_link")
    with organisation_scope(organisation_id):
        link = SchoolLink.objects.select_related("survey").get(pk=link_id)
        survey = link.survey
        if shared_visit_submitted(visit_key=visit_key):
            raise ValidationError(_("You have already sent your answers. Thank you."), code="already_submitted")
        _check_open(survey, timezone.now())
        _clean_answers(survey, answers, partial=True)
        _clean_demographics(survey, demographics)
        _clean_comments(survey, comments)
        draft, _created = Draft.objects.update_or_create(
            token_hash=visit_key,
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
