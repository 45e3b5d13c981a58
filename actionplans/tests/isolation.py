"""Organisation B's action plan objects for the isolation sweep (tests/test_isolation.py OBJECT_IDS)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wellbeing.tenancy.context import organisation_scope


def organisation_b_objects(world) -> dict[str, int]:
    """One of B's objectives, plans, actions, evidence files and workload assessments, by URL keyword."""
    from actionplans import services
    from actionplans.tests import factories

    b = world.org("b")
    lead = world.user("b", "organisation_lead")
    with organisation_scope(b):
        objective = factories.manual_objective(organisation=b, created_by=lead, title="B's objective")
        plan = factories.plan(organisation=b, created_by=lead)
        action = factories.action(plan=plan, created_by=lead, title="B's action")
        update = services.progress_update_add(
            action=action, date=timezone.localdate(), note="B's update", author=lead,
            files=[SimpleUploadedFile("b.pdf", b"%PDF-1.4 B's evidence", content_type="application/pdf")],
        )
        assessment = services.assessment_create(
            organisation=b, title="B's marking policy", affects="Teachers", minutes={"teacher": 30},
            assessed_by=lead,
        )
    return {
        "objective_id": objective.pk,
        "objectives.pk": objective.pk,
        "plan_id": plan.pk,
        "action_id": action.pk,
        "actions.pk": action.pk,
        "action-updates.pk": update.pk,
        "evidence_id": update.evidence.get().pk,
        "assessment_id": assessment.pk,
    }
