"""The demo trust's objectives, plans, updates and posts (wellbeing/demo/actionplans.py)."""

from __future__ import annotations

import io

from django.utils import timezone

from actionplans.models import (
    Action,
    ChangeRecord,
    Objective,
    ProgressUpdate,
    WorkloadAssessment,
    YouSaidWeDid,
)
from wellbeing.demo import load_demo
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Organisation


def _counts():
    return {
        "objectives": Objective.objects.count(), "actions": Action.objects.count(),
        "updates": ProgressUpdate.objects.count(), "posts": YouSaidWeDid.objects.count(),
        "assessments": WorkloadAssessment.objects.count(), "history": ChangeRecord.objects.count(),
    }


def test_the_demo_trust_has_objectives_plans_at_every_level_and_posts_staff_can_read(db, signed_in):
    load_demo(stdout=io.StringIO())
    northbrook = Organisation.objects.get(slug="northbrook")
    with organisation_scope(northbrook):
        first = _counts()
        levels = set(Action.objects.values_list("level", flat=True))
        areas = set(Action.objects.values_list("area", flat=True))
        survey = list(Objective.objects.filter(metric_kind="survey"))
        # One reading per released wave, read from the demo's two releases (a value, or "not
        # reportable" where disclosure control hid the cell).
        waves_read = {o.title: sorted(o.readings.values_list("date", flat=True)) for o in survey}
        absence = Objective.objects.get(series="absence_days_per_fte")
        absence_readings = absence.readings.count()
        overdue = Action.objects.filter(status__in=Action.OPEN_STATUSES, due_date__lt=timezone.localdate()).count()

    assert first["objectives"] == 7 and first["actions"] == 13 and first["posts"] == 2
    assert first["assessments"] == 1 and first["updates"] >= 5
    assert levels == set(Action.Level.values)
    assert areas == {"workload", "flexible_working", "feedback", "culture", "professional_development", "health"}
    assert len(survey) == 3
    assert all(len(dates) == 2 and dates[0].year + 1 == dates[1].year for dates in waves_read.values()), waves_read
    assert absence_readings == 4 and absence.status != Objective.Status.AWAITING
    assert overdue == 1

    load_demo(stdout=io.StringIO())
    with organisation_scope(northbrook):
        assert _counts() == first

    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.get(email="staff@demo.staffwell.test")
    page = signed_in(staff).get("/o/northbrook/you-said-we-did/").content.decode()
    assert "marking was taking up your evenings" in page and "email curfew" in page
