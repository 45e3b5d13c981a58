"""Real released results for the action plans' tests: staff on the roster of the world's
schools, a survey answered by the surveys' generator, closed, and its final release built by the
release service itself (the same code a worker runs). Call inside organisation_scope."""

from __future__ import annotations

import random

from surveys.generator import WaveProfile
from surveys.models import Release, ResultCell
from surveys.results import released_measure
from surveys.services.releases import release_build
from surveys.tests.factories import core_instrument
from surveys.tests.waves import JOBS, closed_wave
from wellbeing.tenancy.models import StaffMember


def staff(school, size: int, *, seed: int = 1, emails: tuple[str, ...] = ()) -> None:
    """`size` people on `school`'s roster (the first ones with `emails`, e.g. a signed-in user)."""
    rng = random.Random(seed)
    StaffMember.objects.bulk_create([
        StaffMember(
            organisation_id=school.organisation_id, school=school,
            email=emails[i] if i < len(emails) else f"{school.pk}-{i}@example.org", name=f"Person {i}",
            job_category=rng.choice(JOBS), contract=rng.choice(["full_time", "part_time"]), fte=1,
            start_year=rng.randint(1995, 2025),
        )
        for i in range(size)
    ])


def wave(*, organisation, schools, year: int, seed: int = 7, previous=None, threshold: int | None = None,
         shifts: dict[str, float] | None = None, close: bool = True):
    """A spring wave of `year`, answered by nine in ten people (closed unless `close` is False:
    closing queues its release on the worker, see published_wave for a release built here)."""
    survey, _generated = closed_wave(
        organisation=organisation, schools=schools, seed=seed, year=year, previous_wave=previous,
        threshold=threshold, title=f"Staff survey {year}", demographics=("job_category",), close=close,
        profile=WaveProfile(response_rate=0.9, domain_shifts=shifts or {}),
    )
    return survey


def published_wave(*, organisation, schools, year: int, **options) -> tuple[object, Release]:
    """A wave and its final release, built here (a wave's values count from the day it closed,
    21 days after 2 March of `year`)."""
    survey = wave(organisation=organisation, schools=schools, year=year, **options)
    return survey, release_build(survey=survey, kind=Release.Kind.FINAL)


def domain_cell(release: Release, *, school=None, code: str = "workload") -> ResultCell | None:
    """The release's cell of one domain of the core instrument, at a school or the organisation."""
    domain = core_instrument().domains.get(code=code)
    return released_measure(release=release, school=school, domain=domain).cell


def item_cell(release: Release, *, school=None, code: str = "workload-1") -> ResultCell | None:
    """The release's cell of one item of the core instrument, at a school or the organisation."""
    item = core_instrument().items.get(code=code)
    return released_measure(release=release, school=school, item=item).cell
