"""The survey session: what the server remembers of the link a browser came through.

Django's session (server-side: database and Redis, the browser holds only its random key)
keeps the link's keyed hash, never the token. A shared school link is used by many people, so
each visit through it also gets a random key of its own, under which its draft is saved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation

from wellbeing.tenancy.context import current_organisation_id
from wellbeing.tenancy.models import Organisation
from wellbeing.tenancy.tokens import new_token, token_hash

from ..models import Domain, Draft, Item, Survey
from ..services.responses import LinkKind, SurveyLink, shared_visit_submitted, survey_link_find
from ..shapes import demographic_questions as survey_demographic_questions_frozen
from ..shapes import instrument_shape

SESSION_KEY = "staffwell_survey"


def session_start(request, link: SurveyLink) -> None:
    """Remember the link in the session under a new session key (nobody who knew the old key,
    e.g. from a shared computer, can follow), keeping a shared link's visit if the browser comes
    back through the same link before sending."""
    previous = request.session.get(SESSION_KEY) or {}
    visit = None
    if link.kind == LinkKind.SCHOOL:
        same_link = previous.get("hash") == link.link_hash and not previous.get("submitted")
        visit = previous.get("visit") if same_link else None
        visit = visit or token_hash(new_token())
    request.session[SESSION_KEY] = {
        "kind": link.kind.value,
        "hash": link.link_hash,
        # Which organisation's tables to look in on the next pages: the link is then found
        # inside that organisation's scope, in the page's own transaction.
        "organisation": link.organisation_id,
        "visit": visit,
        "language": previous.get("language", "") if previous.get("hash") == link.link_hash else "",
        "submitted": False,
    }
    request.session.cycle_key()


def session_data(request) -> dict | None:
    data = request.session.get(SESSION_KEY)
    return data if isinstance(data, dict) and data.get("hash") else None


def session_update(request, **changes) -> None:
    data = dict(request.session.get(SESSION_KEY) or {})
    data.update(changes)
    request.session[SESSION_KEY] = data


def session_end(request) -> None:
    request.session.pop(SESSION_KEY, None)


@dataclass(frozen=True)
class Page:
    """One page of the survey: a domain's items, the "about you" questions, the comments, or
    the check-your-answers page (always last)."""

    number: int
    kind: str  # "items" | "about" | "comments" | "check"
    domain: Domain | None = None
    items: tuple[Item, ...] = ()


@dataclass
class Taking:
    """Everything a survey page needs, loaded once per request inside the organisation's scope."""

    link: SurveyLink
    visit_key: str | None
    survey: Survey
    language: str
    pages: list[Page]
    demographic_questions: list
    comment_questions: list
    answers: dict = field(default_factory=dict)
    demographics: dict = field(default_factory=dict)
    comments: dict = field(default_factory=dict)
    has_draft: bool = False

    @cached_property
    def organisation(self) -> Organisation:
        """Loaded only by the pages that show it (the thank-you page's support contacts)."""
        return Organisation.objects.get(pk=self.link.organisation_id)

    @property
    def draft_key(self) -> str:
        return self.visit_key if self.link.kind == LinkKind.SCHOOL else self.link.link_hash

    @property
    def question_pages(self) -> list[Page]:
        return [page for page in self.pages if page.kind != "check"]

    @property
    def total(self) -> int:
        return len(self.pages)

    def page(self, number: int) -> Page | None:
        return self.pages[number - 1] if 1 <= number <= len(self.pages) else None

    def page_answered(self, page: Page) -> bool:
        if page.kind == "items":
            return any(item.code in self.answers for item in page.items)
        if page.kind == "about":
            return any(question.code in self.demographics for question in self.demographic_questions)
        if page.kind == "comments":
            return any(self.comments.get(question.code) for question in self.comment_questions)
        return False

    @property
    def resume_page(self) -> Page:
        """Where someone coming back carries on: after the last page they answered."""
        answered = [page.number for page in self.question_pages if self.page_answered(page)]
        return self.pages[max(answered)] if answered else self.pages[0]


def current_link(request) -> SurveyLink | None:
    data = session_data(request)
    return survey_link_find(link_hash=data["hash"]) if data else None


def session_organisation_id(request) -> int | None:
    """The organisation the session's link belongs to, as remembered when the link was opened."""
    organisation_id = (session_data(request) or {}).get("organisation")
    return organisation_id if isinstance(organisation_id, int) else None


def submitted_in_this_session(request, link: SurveyLink) -> bool:
    if link.kind == LinkKind.INVITATION:
        return link.responded
    data = session_data(request) or {}
    return bool(data.get("submitted")) or shared_visit_submitted(visit_key=data.get("visit") or "")


def choose_language(request, survey: Survey, draft_language: str = "") -> str:
    """The session's choice, else the draft's, else the browser's, else the survey's first."""
    offered = list(survey.languages) or [settings.LANGUAGE_CODE]
    data = session_data(request) or {}
    for candidate in (data.get("language"), draft_language, translation.get_language()):
        if candidate in offered:
            return candidate
    return offered[0]


def _survey(survey_id: int) -> Survey:
    """The survey, read fresh on every page (it may close at any moment) in one short
    statement: the ORM's query building cost more than the query on this busiest of paths.
    Its instrument is loaded only if asked for (the cached shape rarely needs it)."""
    fields = Survey._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(column.column) for column in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {connection.ops.quote_name(Survey._meta.db_table)}"
            " WHERE organisation_id = %s AND id = %s",
            [current_organisation_id(), survey_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Survey.DoesNotExist
    values = []
    for model_field, value in zip(fields, row, strict=True):
        for convert in model_field.get_db_converters(connection):
            value = convert(value, model_field.cached_col, connection)
        values.append(value)
    return Survey.from_db(connection.alias, [model_field.attname for model_field in fields], values)


def _draft(key: str | None, survey: Survey) -> dict | None:
    """The unexpired draft under `key`, as plain values. Read on every survey page, so in one
    short statement rather than through the ORM (row-level security applies all the same)."""
    if not key:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT answers, demographics, comments, language FROM {connection.ops.quote_name(Draft._meta.db_table)}"
            " WHERE organisation_id = %s AND token_hash = %s AND survey_id = %s AND expires_at > %s",
            [current_organisation_id(), key, survey.pk, timezone.now()],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    # jsonb arrives as text through Django's connection; decoded as JSONField would.
    answers, demographics, comments = (json.loads(value) if isinstance(value, str) else value for value in row[:3])
    return {"answers": answers, "demographics": demographics, "comments": comments, "language": row[3]}


def load_taking(request, link: SurveyLink) -> Taking:
    """Call inside organisation_scope(link.organisation_id)."""
    data = session_data(request) or {}
    survey = _survey(link.survey_id)
    visit_key = data.get("visit") if link.kind == LinkKind.SCHOOL else None
    draft_key = visit_key if link.kind == LinkKind.SCHOOL else link.link_hash
    draft = _draft(draft_key, survey)
    language = choose_language(request, survey, draft["language"] if draft else "")
    shape = instrument_shape(survey)
    domains, items = shape.domains, shape.items
    demographic_questions = list(survey_demographic_questions_frozen(survey))
    comment_questions = list(shape.comment_questions)
    by_domain: dict[int, list[Item]] = {}
    for item in items:
        by_domain.setdefault(item.domain_id, []).append(item)
    pages: list[Page] = []
    for domain in domains:
        domain_items = tuple(by_domain.get(domain.pk, ()))
        if domain_items:
            pages.append(Page(len(pages) + 1, "items", domain, domain_items))
    if demographic_questions:
        pages.append(Page(len(pages) + 1, "about"))
    if comment_questions:
        pages.append(Page(len(pages) + 1, "comments"))
    pages.append(Page(len(pages) + 1, "check"))
    return Taking(
        link=link,
        visit_key=visit_key,
        survey=survey,
        language=language,
        pages=pages,
        demographic_questions=demographic_questions,
        comment_questions=comment_questions,
        answers=draft["answers"] if draft else {},
        demographics=draft["demographics"] if draft else {},
        comments=draft["comments"] if draft else {},
        has_draft=draft is not None,
    )
