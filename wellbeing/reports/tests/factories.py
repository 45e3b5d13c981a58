"""An organisation with released results, objectives, actions and a workload assessment, for
the reports' tests. Call inside organisation_scope, like the other factories."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from actionplans.models import Action, WorkloadAssessment, WorkloadImpact
from actionplans.tests import factories as plan_factories
from surveys.models import Release
from surveys.services.releases import release_build
from surveys.tests.waves import JOBS, closed_wave
from wellbeing.tenancy.models import School, StaffMember


def staff_for(schools: dict[School, int], *, seed: int = 3) -> None:
    """Put `count` people on the roster of each school."""
    rng = random.Random(seed)
    StaffMember.objects.bulk_create([
        StaffMember(organisation_id=school.organisation_id, school=school, email=f"s{school.pk}-{i}@example.org",
                    name=f"Person {school.pk}-{i}", job_category=rng.choice(JOBS),
                    contract=rng.choice(["full_time", "part_time"]), fte=1)
        for school, count in schools.items() for i in range(count)
    ])


def released(*, organisation, schools: dict[School, int], seed: int = 11) -> Release:
    """The schools' staff answer a survey (the generator), which closes; its final release."""
    staff_for(schools, seed=seed)
    survey, _wave = closed_wave(organisation=organisation, schools=list(schools), seed=seed, year=2026)
    return release_build(survey=survey, kind=Release.Kind.FINAL)


def plans(*, organisation, lead, school: School) -> None:
    """An objective and a plan of two actions for the school, and a decided workload assessment."""
    plan_factories.survey_objective(organisation=organisation, created_by=lead, school=school,
                                    title="Workload: more staff find it manageable", target=Decimal("70"))
    plan = plan_factories.plan(organisation=organisation, created_by=lead, school=school)
    plan_factories.action(plan=plan, created_by=lead, title="Protect PPA time")
    done = plan_factories.action(plan=plan, created_by=lead, title="Marking policy", level=Action.Level.COLLABORATIVE)
    Action.objects.filter(pk=done.pk).update(status=Action.Status.DONE)
    assessment = WorkloadAssessment.objects.create(
        organisation=organisation, school=school, title="New homework policy", affects="Teachers",
        decision=WorkloadAssessment.Decision.APPROVED, decision_date=datetime.date.today() - datetime.timedelta(days=3),
    )
    WorkloadImpact.objects.create(organisation=organisation, assessment=assessment, job_category="teacher",
                                  minutes_per_week=-30)
