"""Organisation B's survey objects for the isolation sweep (tests/test_isolation.py OBJECT_IDS)."""

from __future__ import annotations

from wellbeing.tenancy.context import organisation_scope


def organisation_b_objects(world) -> dict[str, int]:
    """One of B's own instruments, demographic questions and surveys, by URL keyword."""
    from surveys import services
    from surveys.models import DemographicQuestion, Item, Release
    from surveys.tests.factories import make_survey

    b = world.org("b")
    with organisation_scope(b):
        instrument = services.instrument_import(
            organisation=b,
            format="json",
            data={
                "format": "staffwell-instrument", "format_version": 1, "code": "b-only",
                "name": {"en": "B's own survey"},
                "domains": [{"code": "d", "name": {"en": "Domain"}}],
                "items": [{"number": 1, "domain": "d", "text": {"en": "B's item"}}],
                "demographic_questions": [
                    {"code": "b_site", "text": {"en": "Site?"}, "options": [{"code": "north", "text": {"en": "North"}}]}
                ],
            },
        )
        question = DemographicQuestion.objects.get(organisation=b, code="b_site")
        item = Item.objects.get(instrument=instrument)
        survey = make_survey(organisation=b, title="B's survey")
        release = Release.objects.create(survey=survey, kind=Release.Kind.FINAL, number=1,
                                         status=Release.Status.PUBLISHED)
    return {
        "release_id": release.pk,
        "item_id": item.pk,  # results drill-down
        "instruments.pk": instrument.pk,
        "demographic-questions.pk": question.pk,
        "surveys.pk": survey.pk,
        "survey_id": survey.pk,
    }
