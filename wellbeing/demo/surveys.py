"""Demo survey results: two past waves of Northbrook's staff survey, with their final releases.

Spring 2025 is the baseline. Spring 2026 follows a year of work on workload (a marking and data
policy) and recognition, while a restructure made change feel worse: its release shows those
changes as significant, and every school has a trend of two points. The answers come from the
surveys' generator (correlated, seeded: the same every run), and the final releases are built by
the release service itself, synchronously, so the demo shows what a real close would produce.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from surveys.generator import WaveProfile, generate_wave
from surveys.models import DemographicQuestion, Instrument, Release, Survey
from surveys.results import release_current
from surveys.services import instrument_load_builtin, survey_create
from surveys.services.releases import release_build
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import School

from . import Demo

DEMOGRAPHICS = ("job_category", "contract", "length_of_service")


@dataclass(frozen=True)
class DemoWave:
    title: str
    opens: datetime.date
    seed: int
    profile: WaveProfile = field(default_factory=WaveProfile)


WAVES = (
    DemoWave("Staff wellbeing survey, spring 2025", datetime.date(2025, 3, 3), seed=2025,
             profile=WaveProfile(response_rate=0.72)),
    DemoWave("Staff wellbeing survey, spring 2026", datetime.date(2026, 3, 2), seed=2026,
             profile=WaveProfile(response_rate=0.78, domain_shifts={
                 "workload": 0.45, "work-life-balance": 0.3, "recognition": 0.35, "change": -0.35,
                 "intention-to-stay": 0.2,
             })),
)


def load(*, demo: Demo) -> None:
    organisation = demo.organisations["northbrook"]
    with organisation_scope(organisation):
        instrument_load_builtin()
        instrument = Instrument.objects.get(organisation__isnull=True, code="staffwell-core", version=1)
        previous = None
        for wave in WAVES:
            previous = _load_wave(wave, organisation, instrument, previous)
            release = release_current(survey=previous)
            demo.say(f"Survey results: {wave.title}: {release.respondents} respondents, "
                     f"{release.cells_published} cells published, {release.cells_banded} banded, "
                     f"{release.cells_primary_suppressed + release.cells_complementary_suppressed} suppressed.")


def _load_wave(wave: DemoWave, organisation, instrument: Instrument, previous: Survey | None) -> Survey:
    """The wave's survey, answered and closed, with its final release (each step only once)."""
    survey = Survey.objects.filter(title=wave.title).first()
    if survey is None:
        zone = ZoneInfo(organisation.time_zone)
        opens = datetime.datetime.combine(wave.opens, datetime.time(8, 0), tzinfo=zone)
        survey = survey_create(
            organisation=organisation, instrument=instrument, title=wave.title,
            schools=list(School.objects.filter(is_active=True)), opens_at=opens,
            closes_at=opens + datetime.timedelta(days=21),
            demographic_questions=[
                DemographicQuestion.objects.get(organisation__isnull=True, code=code) for code in DEMOGRAPHICS
            ],
            previous_wave=previous,
        )
        # A past wave is recorded as it ended: open while answers arrive, then closed. The
        # release is built below, not by the close's background task.
        Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN)
        survey.refresh_from_db()
        generate_wave(survey=survey, seed=wave.seed, profile=wave.profile)
        Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
        survey.refresh_from_db()
    if release_current(survey=survey) is None:
        release_build(survey=survey, kind=Release.Kind.FINAL)
    return survey
