"""Building blocks for the action plans' tests. Call them inside organisation_scope, like the
tenancy factories: the rows are tenant-owned and go through the same services as the pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from actionplans import services
from actionplans.models import Action, Objective
from surveys.models import Domain
from surveys.tests.factories import core_instrument

TODAY = datetime.date(2026, 11, 2)


def manual_objective(*, organisation, created_by, school=None, series=Objective.Series.ABSENCE,
                     baseline=Decimal("8.0"), baseline_date=datetime.date(2026, 9, 1),
                     target=Decimal("6.0"), target_date=datetime.date(2027, 7, 31), today=None, **extra) -> Objective:
    """Absence falling from 8 to 6 days per FTE between September 2026 and July 2027 by default."""
    return services.objective_create(
        organisation=organisation, created_by=created_by, school=school,
        title=extra.pop("title", "Reduce staff absence"), metric_kind=Objective.MetricKind.MANUAL,
        series=series, baseline_value=baseline, baseline_date=baseline_date, baseline_source="HR report",
        target_value=target, target_date=target_date, today=today or baseline_date, **extra,
    )


def survey_objective(*, organisation, created_by, school=None, domain_code="workload",
                     target=Decimal("60"), target_date=None, **extra) -> Objective:
    """% favourable on a domain of the built-in core instrument."""
    domain = Domain.objects.get(instrument=core_instrument(), code=domain_code)
    return services.objective_create(
        organisation=organisation, created_by=created_by, school=school,
        title=extra.pop("title", "More staff find their workload manageable"),
        metric_kind=Objective.MetricKind.SURVEY, measure_domain=domain,
        statistic=Objective.Statistic.PCT_FAVOURABLE, target_value=target,
        target_date=target_date or timezone.localdate() + datetime.timedelta(days=365), **extra,
    )


def plan(*, organisation, created_by, school=None, year="2026/27"):
    return services.plan_create(organisation=organisation, school=school, year=year, created_by=created_by)


def action(*, plan, created_by, due_date=None, **extra) -> Action:
    return services.action_create(
        plan=plan, title=extra.pop("title", "Protect PPA time"),
        level=extra.pop("level", Action.Level.SYSTEMIC), area=extra.pop("area", "workload"),
        due_date=due_date or timezone.localdate() + datetime.timedelta(days=60), created_by=created_by, **extra,
    )
