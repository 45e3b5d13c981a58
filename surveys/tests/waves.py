"""Generated organisations and waves for the results tests (aggregation, statistics, releases).

Call inside organisation_scope, like the other factories."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from surveys import services
from surveys.generator import GeneratedWave, WaveProfile, generate_wave
from surveys.models import DemographicQuestion, Survey
from surveys.tests.factories import core_instrument
from wellbeing.tenancy.models import School, StaffMember

JOBS = ["teacher"] * 5 + ["teaching_assistant"] * 3 + ["support", "leader", "administration"]


def roster(*, sizes: dict[str, int], seed: int = 1) -> list[School]:
    """Schools named by `sizes` (name -> staff), each with that many people on the roster."""
    rng = random.Random(seed)
    schools = []
    people = []
    for name, size in sizes.items():
        school = School.objects.create(name=name, phase=School.Phase.PRIMARY, staff_count=size)
        schools.append(school)
        for i in range(size):
            people.append(StaffMember(
                organisation_id=school.organisation_id, school=school,
                email=f"{school.pk}-{i}@example.org", name=f"{rng.choice(['Ann', 'Ben', 'Cara'])} Person{i}",
                job_category=rng.choice(JOBS),
                contract=rng.choice(["full_time", "full_time", "part_time"]),
                fte=1, start_year=rng.randint(1995, 2025),
            ))
    StaffMember.objects.bulk_create(people)
    return schools


def closed_wave(
    *, organisation, schools=None, seed: int = 7, profile: WaveProfile | None = None,
    demographics=("job_category", "contract", "age_band"), previous_wave: Survey | None = None,
    title: str = "Staff survey", threshold: int | None = None, year: int = 2025, close: bool = True,
) -> tuple[Survey, GeneratedWave]:
    """A survey of `schools` (all by default) in spring of `year`, answered by the generator and
    closed (unless `close` is False: then it stays open, for interim releases)."""
    opens = timezone.make_aware(datetime.datetime(year, 3, 2, 8, 0))
    survey = services.survey_create(
        organisation=organisation, instrument=core_instrument(), title=title,
        schools=schools or list(School.objects.all()), opens_at=opens, closes_at=opens + datetime.timedelta(days=21),
        demographic_questions=[DemographicQuestion.objects.get(organisation__isnull=True, code=c) for c in demographics],
        previous_wave=previous_wave, threshold=threshold,
    )
    # A past wave: opened by hand (survey_open refuses a closing date in the past).
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN)
    survey.refresh_from_db()
    wave = generate_wave(survey=survey, seed=seed, profile=profile)
    if close:
        survey = services.survey_close(survey=survey)
    return survey, wave
