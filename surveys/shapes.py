"""What a published instrument and an open survey's questions look like, kept in memory.

A published instrument version never changes (the model refuses it) and a survey's demographic
questions are frozen once it opens, so each process can load them once and reuse them: the
survey pages and every submission would otherwise reload 48 items, their domains and questions
on each request. Drafts are never cached (they may still change).

Cached rows are shared between requests: treat them as read-only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .models import (
    CommentQuestion,
    DemographicQuestion,
    Domain,
    Item,
    Survey,
    SurveyDemographicQuestion,
)

_LIMIT = 256
_lock = threading.Lock()
_instruments: dict[int, InstrumentShape] = {}
_demographics: dict[int, tuple[DemographicQuestion, ...]] = {}


@dataclass(frozen=True)
class InstrumentShape:
    domains: tuple[Domain, ...]
    items: tuple[Item, ...]
    comment_questions: tuple[CommentQuestion, ...]
    items_by_code: dict[str, Item] = field(default_factory=dict)
    comment_questions_by_code: dict[str, CommentQuestion] = field(default_factory=dict)


def _load_instrument(instrument_id: int) -> InstrumentShape:
    items = tuple(Item.objects.filter(instrument_id=instrument_id).order_by("order", "number"))
    questions = tuple(CommentQuestion.objects.filter(instrument_id=instrument_id).order_by("order", "id"))
    return InstrumentShape(
        domains=tuple(Domain.objects.filter(instrument_id=instrument_id).order_by("order", "id")),
        items=items,
        comment_questions=questions,
        items_by_code={item.code: item for item in items},
        comment_questions_by_code={question.code: question for question in questions},
    )


def _remember(store: dict, key: int, value) -> None:
    with _lock:
        if len(store) >= _LIMIT:
            store.pop(next(iter(store)))
        store[key] = value


def instrument_shape(survey: Survey) -> InstrumentShape:
    """The domains, items and comment questions of the survey's instrument (inside its scope)."""
    shape = _instruments.get(survey.instrument_id)
    if shape is None:
        shape = _load_instrument(survey.instrument_id)
        # Only a published version is certain not to change; a draft is reloaded every time.
        if survey.instrument.is_published:
            _remember(_instruments, survey.instrument_id, shape)
    return shape


def demographic_questions(survey: Survey) -> tuple[DemographicQuestion, ...]:
    """The survey's demographic questions in order; frozen, and so cached, once it opens."""
    questions = _demographics.get(survey.pk) if survey.demographics_frozen else None
    if questions is None:
        links = SurveyDemographicQuestion.objects.filter(survey=survey).select_related("question").order_by("order")
        questions = tuple(link.question for link in links)
        if survey.demographics_frozen:
            _remember(_demographics, survey.pk, questions)
    return questions
