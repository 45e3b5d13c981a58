"""Realistic survey answers for an organisation's roster: the demo, tests and benchmarks use them.

Answers are generated from a small latent model, so that results look like a real staff survey
rather than noise: each person has a wellbeing level (their own, plus their school's, plus a
little by job), each domain a factor that loads on it, each item an answer on the 5-point scale
cut from its domain's factor. Outcome domains (satisfaction, intention to stay) follow the
other domains with fixed weights, so a driver analysis finds real drivers. Reverse-scored items
are answered consistently (someone with a heavy workload agrees that deadlines are unrealistic).
Some people skip items or stop part-way, items that offer it get "not applicable", demographic
questions are sometimes skipped or answered "prefer not to say", and some people write comments.

Everything follows from the seed: the same seed, roster and survey give the same answers. Rows
are written with `surveys.bulk.insert_rows` inside the caller's organisation scope.
"""

from __future__ import annotations

import datetime
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from wellbeing.tenancy.models import School, StaffMember

from .bulk import insert_rows
from .models import (
    PREFER_NOT_TO_SAY,
    Answer,
    Comment,
    CommentQuestion,
    Invitation,
    Item,
    Response,
    Survey,
)
from .selectors import survey_demographic_questions, survey_school_ids

# Where each domain sits on average, in the latent unit (0 is "slightly favourable"): workload
# and work-life balance are the sore points of school staff, colleagues the bright spot.
DOMAIN_LEVELS = {
    "workload": -0.8,
    "work-life-balance": -0.6,
    "change": -0.35,
    "recognition": -0.1,
    "control": 0.0,
    "leadership": 0.15,
    "psychological-safety": 0.1,
    "professional-growth": 0.05,
    "relationships": 0.35,
    "role-clarity": 0.55,
    "peer-support": 0.75,
    "job-satisfaction": 0.2,
    "intention-to-stay": 0.3,
    "personal-wellbeing": -0.2,
}
# What outcome domains follow (weights on the other domains' factors).
OUTCOME_WEIGHTS = {
    "job-satisfaction": {"leadership": 0.3, "recognition": 0.25, "workload": 0.2, "professional-growth": 0.15,
                         "relationships": 0.1},
    "intention-to-stay": {"workload": 0.3, "work-life-balance": 0.25, "leadership": 0.2, "recognition": 0.1,
                          "professional-growth": 0.15},
    "personal-wellbeing": {"work-life-balance": 0.35, "workload": 0.3, "peer-support": 0.15, "control": 0.2},
}
JOB_EFFECTS = {
    "teacher": -0.2, "leader": 0.25, "teaching_assistant": 0.1, "support": 0.05, "administration": 0.0,
    "other": 0.0,
}
# Plausible answers to demographic questions not read from the roster (weights per option).
DEMOGRAPHIC_WEIGHTS = {
    "age_band": {"under_25": 7, "25_to_34": 23, "35_to_44": 27, "45_to_54": 25, "55_to_64": 15, "65_and_over": 3},
    "gender": {"woman": 74, "man": 24, "non_binary": 1, "another_way": 1},
    "disability": {"yes": 8, "no": 92},
    "ethnicity": {"asian": 8, "black": 4, "mixed": 3, "white": 83, "another": 2},
}
THRESHOLDS = np.array([-1.7, -0.85, -0.1, 1.15])  # latent cut points of the answers 1..5

POSITIVE_COMMENTS = (
    "My colleagues are brilliant and always help each other out.",
    "I feel trusted to do my job and my line manager backs me up.",
    "The new marking policy has really cut down my evenings.",
    "Leadership listen to us much more than they used to.",
    "I love working here, the children and the team make it worthwhile.",
    "Thank you for the wellbeing day, it was appreciated.",
)
NEGATIVE_COMMENTS = (
    "Workload is relentless and I rarely finish before seven.",
    "Too many initiatives at once; nothing gets time to bed in.",
    "Data drops every six weeks take up whole weekends.",
    "I do not feel listened to when I raise concerns about behaviour.",
    "Cover for absent colleagues means I lose my planning time most weeks.",
    "Communication from senior leaders is poor and changes arrive at the last minute.",
    "I am thinking about leaving teaching because of the pressure.",
)
# A few comments name someone or give contact details, as real ones do: release redaction must
# catch them.
IDENTIFYING_COMMENTS = (
    "Please talk to me about this, my email is {email}.",
    "{first} in the office goes above and beyond for all of us.",
    "Mrs {last} makes every staff meeting feel like an ambush.",
    "Ring me on 07700 900{digits} if you want details.",
)


@dataclass(frozen=True)
class WaveProfile:
    """The knobs of one generated wave. `domain_shifts` moves domains (by code) in latent units,
    e.g. {"workload": 0.4} for a wave after a workload charter; `school_effects` gives a school's
    shift (by id) instead of a random one."""

    response_rate: float = 0.75
    domain_shifts: Mapping[str, float] = field(default_factory=dict)
    school_effects: Mapping[int, float] | None = None
    school_spread: float = 0.35
    not_applicable_rate: float = 0.06
    skip_rate: float = 0.015
    heavy_skipper_share: float = 0.08
    break_off_share: float = 0.03
    comment_rate: float = 0.2
    demographic_skip_rate: float = 0.02
    prefer_not_to_say_rate: float = 0.03


@dataclass(frozen=True)
class GeneratedRespondent:
    """What one generated person submitted: answers as stored (not flipped; None is "not
    applicable"; skipped items are absent)."""

    school_id: int
    demographics: dict[str, str]
    answers: dict[int, int | None]


@dataclass
class GeneratedWave:
    survey: Survey
    respondents: list[GeneratedRespondent]
    comments: list[tuple[int, int, str]]  # (school id, comment question id, text)
    invited: dict[int, int]  # school id -> people invited


def _length_of_service(years: int | None) -> str | None:
    if years is None:
        return None
    if years < 1:
        return "under_1"
    if years <= 2:
        return "1_to_2"
    if years <= 5:
        return "3_to_5"
    if years <= 10:
        return "6_to_10"
    return "over_10"


def _weighted(rng: np.random.Generator, weights: Mapping[str, float], options: list[str]) -> str:
    choices = [o for o in options if o != PREFER_NOT_TO_SAY]
    p = np.array([float(weights.get(o, 1.0)) for o in choices])
    return choices[int(rng.choice(len(choices), p=p / p.sum()))]


def _demographics(rng, profile: WaveProfile, questions, person: dict, survey_year: int) -> dict[str, str]:
    answers = {}
    for question in questions:
        options = question.option_codes
        draw = rng.random()
        if draw < profile.demographic_skip_rate:
            continue
        if draw < profile.demographic_skip_rate + profile.prefer_not_to_say_rate and PREFER_NOT_TO_SAY in options:
            answers[question.code] = PREFER_NOT_TO_SAY
            continue
        from_roster = {
            "job_category": person["job_category"],
            "contract": person["contract"],
            "length_of_service": _length_of_service(
                None if person["start_year"] is None else survey_year - person["start_year"]
            ),
        }.get(question.code)
        if from_roster in options:
            answers[question.code] = from_roster
        else:
            answers[question.code] = _weighted(rng, DEMOGRAPHIC_WEIGHTS.get(question.code, {}), options)
    return answers


def _comment(rng, positive: bool, roster_names: list[str]) -> str:
    if roster_names and rng.random() < 0.08:
        template = IDENTIFYING_COMMENTS[int(rng.integers(len(IDENTIFYING_COMMENTS)))]
        name = roster_names[int(rng.integers(len(roster_names)))].split()
        first, last = name[0], name[-1]
        return template.format(
            email=f"{first.lower()}.{last.lower()}@example.org", first=first, last=last,
            digits=f"{int(rng.integers(1000)):03d}",
        )
    pool = POSITIVE_COMMENTS if positive else NEGATIVE_COMMENTS
    return pool[int(rng.integers(len(pool)))]


def generate_wave(*, survey: Survey, seed: int, profile: WaveProfile | None = None,
                  invitations: bool = True) -> GeneratedWave:
    """Generate and store the responses of `survey` for the active roster of its schools.

    With `invitations`, everyone on the roster also gets an invitation row (responded or not;
    the token hash is random, so no link works) and the response counts are refreshed, as after
    a real survey. Refuses a survey that already has responses: the demo loader decides whether
    a wave is there already. Call inside the survey organisation's scope."""
    from .services import response_counts_refresh

    profile = profile or WaveProfile()

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {Response._meta.db_table} WHERE organisation_id = %s AND survey_id = %s)",
            [survey.organisation_id, survey.pk],
        )
        (has_responses,) = cursor.fetchone()
    if has_responses or Invitation.objects.filter(survey=survey).exists():
        raise ValueError(f"survey {survey.pk} already has invitations or responses")
    rng = np.random.default_rng(seed)
    # Row ids from their own generator, seeded by the survey too: one seed used for two surveys
    # gives the same answers, never the same ids.
    ids = np.random.default_rng([seed, survey.pk])
    questions = survey_demographic_questions(survey=survey)
    items = list(
        Item.objects.filter(instrument_id=survey.instrument_id).select_related("domain").order_by("order", "number")
    )
    domains = sorted({item.domain.code for item in items})
    predictors = [code for code in domains if code not in OUTCOME_WEIGHTS]
    comment_questions = list(CommentQuestion.objects.filter(instrument_id=survey.instrument_id).order_by("order"))
    school_ids = sorted(survey_school_ids(survey=survey))
    roster = list(
        StaffMember.objects.filter(school_id__in=school_ids, is_active=True)
        .order_by("pk")
        .values("pk", "school_id", "job_category", "contract", "start_year", "name")
    )
    roster_names = [person["name"] for person in roster]
    # A school's climate persists from one wave to the next: its effects follow from the school
    # (by its name, not its row id, so the same roster gives the same answers in any database),
    # not from the wave's seed.
    school_effects = dict(profile.school_effects or {})
    school_domain = {}
    school_names = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "name"))
    for school_id in school_ids:
        climate = np.random.default_rng([zlib.crc32(school_names[school_id].encode()), 20250901])
        school_effects.setdefault(school_id, float(climate.normal(0, profile.school_spread)))
        for code in domains:
            school_domain[(school_id, code)] = float(climate.normal(0, 0.2))
    # So does how hard an item is to agree with (by its code, the same in every version).
    item_levels = {item.pk: float(np.random.default_rng(zlib.crc32(item.code.encode())).normal(0, 0.25))
                   for item in items}
    opens = survey.opens_at.date()
    days = max((survey.closes_at.date() - opens).days, 0)
    survey_year = opens.year

    respondents: list[GeneratedRespondent] = []
    comments: list[tuple[int, int, str]] = []
    response_rows, answer_rows, invitation_rows = [], [], []
    invited: dict[int, int] = {}
    organisation_id = survey.organisation_id
    # A school's response rate varies around the profile's.
    school_rates = {s: float(np.clip(rng.normal(profile.response_rate, 0.08), 0.2, 1.0)) for s in school_ids}
    for person in roster:
        school_id = person["school_id"]
        invited[school_id] = invited.get(school_id, 0) + 1
        responded = rng.random() < school_rates[school_id]
        if invitations:
            invitation_rows.append((
                organisation_id, survey.pk, school_id, person["pk"], ids.bytes(32).hex(),
                Invitation.Status.RESPONDED if responded else Invitation.Status.SENT, opens,
            ))
        if not responded:
            continue
        wellbeing = rng.normal() + school_effects[school_id] + JOB_EFFECTS.get(person["job_category"], 0.0)
        factors = {
            code: 0.65 * wellbeing + 0.76 * rng.normal() + DOMAIN_LEVELS.get(code, 0.0)
            + school_domain[(school_id, code)] + profile.domain_shifts.get(code, 0.0)
            for code in predictors
        }
        for code, weights in OUTCOME_WEIGHTS.items():
            if code in domains:
                driven = sum(w * (factors.get(d, wellbeing) - DOMAIN_LEVELS.get(d, 0.0)) for d, w in weights.items())
                factors[code] = (0.8 * driven + 0.25 * wellbeing + 0.55 * rng.normal() + DOMAIN_LEVELS.get(code, 0.0)
                                 + profile.domain_shifts.get(code, 0.0))
        skip_rate = 0.2 if rng.random() < profile.heavy_skipper_share else profile.skip_rate
        stop_at = int(rng.integers(len(items) // 2, len(items))) if rng.random() < profile.break_off_share else None
        answers: dict[int, int | None] = {}
        for position, item in enumerate(items):
            if (stop_at is not None and position >= stop_at) or rng.random() < skip_rate:
                continue
            if item.allows_not_applicable and rng.random() < profile.not_applicable_rate:
                answers[item.pk] = None
                continue
            latent = 0.8 * factors[item.domain.code] + 0.6 * rng.normal() + item_levels[item.pk]
            value = 1 + int(np.searchsorted(THRESHOLDS, latent))
            answers[item.pk] = 6 - value if item.reverse_scored else value
        if not any(v is not None for v in answers.values()):
            first = items[0]
            answers[first.pk] = 3
        demographics = _demographics(rng, profile, questions, person, survey_year)
        response_id = uuid.UUID(bytes=ids.bytes(16), version=4)
        language = survey.languages[0] if survey.languages else "en"
        submitted = opens + datetime.timedelta(days=int(rng.integers(0, days + 1)))
        response_rows.append((response_id, organisation_id, survey.pk, school_id, submitted, demographics, language))
        for item_id, value in answers.items():
            answer_rows.append((organisation_id, response_id, item_id, value, value is None))
        for question in comment_questions:
            if rng.random() < profile.comment_rate * (1.5 if wellbeing < -0.5 else 1.0):
                text = _comment(rng, positive=wellbeing > 0.3, roster_names=roster_names)
                comments.append((school_id, question.pk, text))
        respondents.append(GeneratedRespondent(school_id, demographics, answers))

    if invitations:
        insert_rows(Invitation._meta.db_table,
                    ["organisation_id", "survey_id", "school_id", "staff_member_id", "token_hash", "status", "sent_on"],
                    invitation_rows)
    # Stored in a shuffled order: the roster's order must not show through the rows' order.
    response_rows = [response_rows[i] for i in rng.permutation(len(response_rows))]
    answer_rows = [answer_rows[i] for i in rng.permutation(len(answer_rows))]
    insert_rows(Response._meta.db_table,
                ["id", "organisation_id", "survey_id", "school_id", "submitted_on", "demographics", "language"],
                response_rows)
    insert_rows(Answer._meta.db_table, ["organisation_id", "response_id", "item_id", "value", "not_applicable"],
                answer_rows)
    insert_rows(Comment._meta.db_table, ["id", "organisation_id", "survey_id", "school_id", "question_id", "text"],
                [(uuid.UUID(bytes=ids.bytes(16), version=4), organisation_id, survey.pk, school_id, question_id, text)
                 for school_id, question_id, text in comments])
    if invitations:
        response_counts_refresh(survey=survey)
    return GeneratedWave(survey=survey, respondents=respondents, comments=comments, invited=invited)
