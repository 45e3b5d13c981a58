"""Demo objectives, action plans, updates, "you said, we did" posts and a workload impact
assessment for Northbrook Learning Trust.

Objectives on survey measures take their baseline and readings from released results: until the
demo has releases they read "no results yet". Series entered by hand (absence, turnover, EAP
uptake, PPA time) come with a year of readings. Dates are counted from the current academic year,
so the demo always has a plan for this year, targets in the future and one overdue action.

Everything goes through the app's services (history included), and is matched on natural keys
(an objective's title and school, a plan's school and year, an action's title in its plan), so a
second load adds nothing and leaves what a person changed alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from actionplans import services
from actionplans.models import (
    Action,
    ActionPlan,
    Objective,
    ProgressUpdate,
    WorkloadAssessment,
    YouSaidWeDid,
)
from surveys.models import Domain, Instrument, Survey
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import School

from . import Demo
from .tenancy import DEMO_SCHOOL, LOGIN_DOMAIN

ORGANISATION = "northbrook"
ORG_LEAD = f"organisation_lead@{LOGIN_DOMAIN}"
SCHOOL_LEAD = f"school_lead@{LOGIN_DOMAIN}"
ASHDOWN, ACADEMY = "Ashdown Primary School", "Northbrook Academy"

Level, Status = Action.Level, Action.Status


def _year_start(today: datetime.date) -> datetime.date:
    return datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def _months_after(date: datetime.date, months: int) -> datetime.date:
    year, month = divmod(date.month - 1 + months, 12)
    return datetime.date(date.year + year, month + 1, 1)


@dataclass(frozen=True)
class Series:
    title: str
    school: str | None
    series: str
    values: tuple[str, ...]  # baseline first, then one a term
    target: str
    custom_name: str = ""
    custom_unit: str = ""
    source: str = "HR absence and leavers report"


SURVEY_OBJECTIVES = (
    # title, school, domain code, statistic, target
    ("More staff find their workload manageable", None, "workload", "pct_favourable", "55"),
    ("Staff intend to stay with the trust", None, "intention-to-stay", "mean", "3.9"),
    ("Staff at Hollins Park feel their work-life balance is respected", DEMO_SCHOOL, "work-life-balance",
     "pct_favourable", "60"),
)

SERIES_OBJECTIVES = (
    Series("Reduce staff absence to 6.5 days per FTE", None, Objective.Series.ABSENCE,
           ("8.4", "8.1", "7.9", "7.6"), "6.5"),
    Series("Bring staff turnover under 12%", None, Objective.Series.TURNOVER, ("15.2", "14.6", "13.9"), "12"),
    Series("More staff use the employee assistance programme", DEMO_SCHOOL, Objective.Series.EAP_UPTAKE,
           ("4.0", "5.5", "6.1", "6.4"), "8", source="EAP provider's quarterly report"),
    Series("Every teacher at Ashdown takes their full PPA time", ASHDOWN, Objective.Series.CUSTOM,
           ("62", "66", "70"), "90", custom_name="Teachers taking their full PPA time",
           custom_unit="% of teachers", source="Ashdown timetable audit"),
)

# plan school (None: organisation), title, level, area, status, due in months from the year's
# start (negative: already due), the objective it serves, updates
ACTIONS = (
    (None, "Trust marking and feedback policy: no written marking outside lessons", Level.SYSTEMIC, "workload",
     Status.IN_PROGRESS, 6, "More staff find their workload manageable",
     ("Draft policy written with heads of English and maths; consultation with staff opens next week.",)),
    (None, "Answer flexible working requests within four weeks, with a trial period offered", Level.SYSTEMIC,
     "flexible_working", Status.PLANNED, 9, None, ()),
    (None, "Coaching network for early-career teachers across the trust's schools", Level.COLLABORATIVE,
     "professional_development", Status.IN_PROGRESS, 10, "Staff intend to stay with the trust",
     ("Twelve coaches trained; first pairings made in every school.",)),
    (None, "Termly staff voice forum, with its minutes published to all staff", Level.COLLABORATIVE, "feedback",
     Status.IN_PROGRESS, 8, None, ()),
    (None, "Introduce the employee assistance programme at every induction", Level.INDIVIDUAL, "health",
     Status.DONE, 2, None, ("Added to the induction checklist of every school.",)),
    (DEMO_SCHOOL, "Email curfew: no replies expected between 6 pm and 7 am", Level.SYSTEMIC, "workload",
     Status.IN_PROGRESS, -1, None,
     ("Agreed at the staff meeting; a delay-send guide went out with the bulletin.",)),
    (DEMO_SCHOOL, "A wellbeing champion in each phase team", Level.COLLABORATIVE, "culture", Status.IN_PROGRESS,
     5, "Staff at Hollins Park feel their work-life balance is respected", ()),
    (DEMO_SCHOOL, "Return-to-work conversations after long absence", Level.INDIVIDUAL, "health", Status.PLANNED,
     7, "More staff use the employee assistance programme", ()),
    (DEMO_SCHOOL, "PPA at home once each half term", Level.INDIVIDUAL, "flexible_working", Status.DONE, 3,
     "Staff at Hollins Park feel their work-life balance is respected",
     ("Timetable changed from the autumn half term; every class teacher has had one day so far.",)),
    (ASHDOWN, "Protected CPD time within directed hours", Level.SYSTEMIC, "professional_development",
     Status.PLANNED, 8, "Every teacher at Ashdown takes their full PPA time", ()),
    (ASHDOWN, "Termly one-to-one check-ins with line managers", Level.INDIVIDUAL, "feedback", Status.IN_PROGRESS,
     9, None, ()),
    (ACADEMY, "Cut data drops from six a year to three", Level.SYSTEMIC, "workload", Status.IN_PROGRESS, 4, None,
     ("Spring data drop removed; heads of year agreed the new calendar.",)),
    (ACADEMY, "A social budget for each department", Level.COLLABORATIVE, "culture", Status.PLANNED, 6, None, ()),
)

POSTS = (
    (None, "You told us marking was taking up your evenings and weekends.",
     "We are replacing written marking outside lessons with whole-class feedback across the trust. "
     "The new policy starts after consultation this term.",
     "Trust marking and feedback policy: no written marking outside lessons"),
    (DEMO_SCHOOL, "You told us emails late at night made it hard to switch off.",
     "Hollins Park agreed an email curfew: nobody is expected to read or answer emails between 6 pm and 7 am.",
     "Email curfew: no replies expected between 6 pm and 7 am"),
)


def load(*, demo: Demo) -> None:
    organisation = demo.organisations.get(ORGANISATION)
    if organisation is None:
        return
    users = {user.email: user for user in get_user_model().objects.filter(email__in=[ORG_LEAD, SCHOOL_LEAD])}
    org_lead, school_lead = users[ORG_LEAD], users[SCHOOL_LEAD]
    today = timezone.localdate()
    start = _year_start(today)
    with organisation_scope(organisation):
        schools = {school.name: school for school in School.objects.all()}
        objectives = _objectives(organisation, schools, org_lead, school_lead, today, start)
        plans = _plans(organisation, schools, org_lead, school_lead, start, today)
        actions = _actions(plans, objectives, org_lead, school_lead, start, today)
        _posts(organisation, schools, actions, org_lead)
        _assessment(organisation, org_lead, today)
        counts = (Objective.objects.count(), Action.objects.count())
    demo.say(f"Action plans for {organisation.name}: {counts[0]} objectives, {counts[1]} actions.")


def _owner(school, org_lead, school_lead):
    return school_lead if school is not None and school.name == DEMO_SCHOOL else org_lead


def _objectives(organisation, schools, org_lead, school_lead, today, start) -> dict[str, Objective]:
    existing = {objective.title: objective for objective in Objective.objects.all()}
    made = dict(existing)
    core = Instrument.objects.filter(organisation__isnull=True, code="staffwell-core").order_by("-version").first()
    baseline_wave = Survey.objects.filter(instrument=core).order_by("opens_at").first() if core else None
    target_date = datetime.date(start.year + 1, 7, 31)
    for title, school_name, domain_code, statistic, target in SURVEY_OBJECTIVES:
        if title in existing or core is None:
            continue
        school = schools.get(school_name)
        made[title] = services.objective_create(
            organisation=organisation, created_by=org_lead, school=school, owner=_owner(school, org_lead, school_lead),
            title=title, metric_kind=Objective.MetricKind.SURVEY, statistic=statistic,
            measure_domain=Domain.objects.get(instrument=core, code=domain_code), baseline_survey=baseline_wave,
            rationale="The staff survey showed this was one of the areas staff felt worst about.",
            target_value=Decimal(target), target_date=target_date, today=today,
        )
    baseline_date = datetime.date(start.year - 1, 9, 1)
    for spec in SERIES_OBJECTIVES:
        if spec.title in existing:
            continue
        school = schools.get(spec.school)
        objective = services.objective_create(
            organisation=organisation, created_by=org_lead, school=school, owner=_owner(school, org_lead, school_lead),
            title=spec.title, metric_kind=Objective.MetricKind.MANUAL, series=spec.series,
            custom_name=spec.custom_name, custom_unit=spec.custom_unit,
            baseline_value=Decimal(spec.values[0]), baseline_date=baseline_date, baseline_source=spec.source,
            target_value=Decimal(spec.target), target_date=target_date, today=today,
        )
        for term, value in enumerate(spec.values[1:], start=1):
            date = _months_after(baseline_date, 4 * term)
            if date <= today:
                services.objective_record_reading(objective=objective, date=date, value=Decimal(value),
                                                  source=spec.source, entered_by=objective.owner, today=today)
        made[spec.title] = objective
    return made


def _plans(organisation, schools, org_lead, school_lead, start, today) -> dict[str | None, ActionPlan]:
    year = services.academic_year_of(today)
    plans = {}
    for school_name in (None, DEMO_SCHOOL, ASHDOWN, ACADEMY):
        school = schools.get(school_name)
        plan = ActionPlan.objects.filter(school=school, year=year).first()
        if plan is None:
            plan = services.plan_create(
                organisation=organisation, school=school, year=year,
                created_by=_owner(school, org_lead, school_lead),
                summary="Workload first, then flexible working and staff voice, following the staff survey.",
            )
        plans[school_name] = plan
    return plans


def _actions(plans, objectives, org_lead, school_lead, start, today) -> dict[str, Action]:
    made = {}
    for school_name, title, level, area, status, due_in, objective_title, updates in ACTIONS:
        plan = plans[school_name]
        action = Action.objects.filter(plan=plan, title=title).first()
        if action is None:
            owner = _owner(plan.school, org_lead, school_lead)
            due = _months_after(start, due_in) if due_in >= 0 else today - datetime.timedelta(days=10)
            objective = objectives.get(objective_title)
            action = services.action_create(
                plan=plan, title=title, level=level, area=area, owner=owner, status=status,
                start_date=min(start, due), due_date=due, objectives=[objective] if objective else [],
                created_by=owner,
            )
            for note in updates:
                if not ProgressUpdate.objects.filter(action=action, note=note).exists():
                    services.progress_update_add(action=action, date=today, note=note, author=owner, today=today)
        made[title] = action
    return made


def _posts(organisation, schools, actions, author) -> None:
    for school_name, you_said, we_did, action_title in POSTS:
        if YouSaidWeDid.objects.filter(you_said=you_said).exists():
            continue
        services.post_publish(organisation=organisation, school=schools.get(school_name), you_said=you_said,
                              we_did=we_did, action=actions.get(action_title), author=author)


def _assessment(organisation, author, today) -> None:
    title = "New behaviour logging procedure"
    if WorkloadAssessment.objects.filter(title=title).exists():
        return
    services.assessment_create(
        organisation=organisation, title=title, assessed_by=author,
        description="Incidents are logged in the new behaviour system instead of paper slips and emails.",
        affects="Class teachers, teaching assistants and pastoral leaders in every school.",
        minutes={"teacher": 20, "teaching_assistant": 10, "leader": -15},
        mitigations="Logging from the class register in two clicks; the weekly paper summary is dropped.",
        decision=WorkloadAssessment.Decision.CHANGED, decision_date=today - datetime.timedelta(days=14),
        today=today,
    )
