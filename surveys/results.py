"""Reading released results: the one door to result cells.

Dashboards, exports, the API, action plans' objectives, charters and board reports read survey
results through these selectors only, and they read result cells only (never answers). Every
cell was written by the release builder with disclosure control already applied, so a reader
cannot show more than is allowed; it still has to show what a cell says about itself:

* `cell.disclosure == "full"`: every statistic is there (n, distribution, mean, sd, % favourable
  / neutral / unfavourable, Wilson interval, changes and differences with their flags);
* `"banded"`: fewer than 10 answers; only `respondents`, `n` and the band of % favourable
  (`favourable_band_low`..`favourable_band_high`);
* `"suppressed"`: nothing but the reason (`cell.suppression`): "primary" (fewer than k
  answers: show "fewer than k"), "complementary" (hidden so that others cannot be worked out),
  "small_school" (reported inside a cluster: `cell.cluster`), "cut_off" (no demographic groups
  for a school of this size).

Cells are named by keys that stay the same from one wave to the next (`result_key`): codes of
items, domains and demographic answers, not database ids, so a trend can follow an item across
versions of an instrument.

Call these inside the organisation's scope (views run in it; tasks use organisation_scope).
A release never changes once published: whatever is drawn from it can be cached for as long as
it stays the current release (`release_current`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet

from wellbeing.tenancy.models import School

from .models import (
    DemographicQuestion,
    Domain,
    DomainReliability,
    Driver,
    Item,
    Release,
    ReleaseCluster,
    ReleaseComment,
    ResultCell,
    Survey,
)

View = ResultCell.View
Disclosure = ResultCell.Disclosure
Suppression = ResultCell.Suppression

NO_RESULTS = "no_results"
REPORTABLE = "reportable"
NOT_REPORTABLE = "not_reportable"
VISIBLE = (Release.Status.PUBLISHED, Release.Status.SUPERSEDED)


# --- keys -------------------------------------------------------------------------------------
def result_key(
    view: str, *, measure: str, school_id: int | None = None, cluster_schools: Iterable[int] = (),
    answers: Sequence[tuple[str, str]] = (),
) -> str:
    """The key of a result cell: `view/place/groups/measure`, e.g.
    `school/school:12/-/item:workload-1` or `organisation_group/-/job_category=teacher/domain:workload`.
    `measure` is "count", "item:<code>" or "domain:<code>"; `answers` are (question code,
    option code) pairs in the survey's order of questions; a cluster is named by its schools."""
    if school_id is not None:
        place = f"school:{school_id}"
    elif view == View.CLUSTER:
        place = "cluster:" + ".".join(str(s) for s in sorted(cluster_schools))
    else:
        place = "-"
    groups = ",".join(f"{question}={code}" for question, code in answers) or "-"
    return f"{view}/{place}/{groups}/{measure}"


def measure_name(*, item: Item | None = None, domain: Domain | None = None) -> str:
    if item is not None and domain is not None:
        raise ValueError("a measure is an item or a domain, not both")
    if item is not None:
        return f"item:{item.code}"
    if domain is not None:
        return f"domain:{domain.code}"
    return "count"


# --- releases ---------------------------------------------------------------------------------
def release_current(*, survey: Survey) -> Release | None:
    """The survey's published release (final, or the latest interim one), or None."""
    return Release.objects.filter(survey=survey, status=Release.Status.PUBLISHED).select_related("survey").first()


def survey_and_release_current(*, survey_id: int) -> tuple[Survey | None, Release | None]:
    """A survey of the organisation by id, with its instrument and organisation, and its
    published release (as `release_current`): one query when something is published (every
    dashboard view asks), two otherwise. (None, None) for no such survey."""
    release = (Release.objects.filter(survey_id=survey_id, status=Release.Status.PUBLISHED)
               .select_related("survey__instrument", "survey__organisation").first())
    if release is not None:
        return release.survey, release
    survey = Survey.objects.select_related("instrument", "organisation").filter(pk=survey_id).first()
    return survey, None


def releases_visible(*, survey: Survey) -> QuerySet[Release]:
    """The survey's releases people may have seen (published and superseded), newest first."""
    return Release.objects.filter(survey=survey, status__in=VISIBLE).order_by("-number")


def releases_published(*, surveys: Iterable[Survey] | None = None) -> QuerySet[Release]:
    """The published release of each survey (of `surveys`, or all of the organisation's), the
    oldest wave first: the points of a trend."""
    releases = Release.objects.filter(status=Release.Status.PUBLISHED).select_related("survey")
    if surveys is not None:
        releases = releases.filter(survey__in=list(surveys))
    return releases.order_by("survey__opens_at", "survey_id")


def release_latest() -> Release | None:
    """The organisation's most recent wave's published release, or None."""
    return releases_published().order_by("-survey__opens_at", "-survey_id").first()


def wave_releases(*, survey: Survey, waves: int = 5) -> list[Release]:
    """The published releases of `survey` and its previous waves (following `previous_wave`),
    oldest first, at most `waves` of them: the trend of a survey series."""
    found, seen = [], set()
    current: Survey | None = survey
    while current is not None and current.pk not in seen and len(found) < waves:
        seen.add(current.pk)
        release = release_current(survey=current)
        if release is not None:
            found.append(release)
        current = Survey.objects.filter(pk=current.previous_wave_id).first() if current.previous_wave_id else None
    return list(reversed(found))


# --- one measure ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReleasedMeasure:
    """What a release says about one measure at one place.

    `state` is "reportable" (`cell` is shown: full or banded), "not_reportable" (`cell` is a
    suppressed cell: say why with `cell.suppression`, never a number) or "no_results" (the
    release has no such cell: the school was not surveyed or nobody there answered, or the
    instrument has no such item)."""

    state: str
    cell: ResultCell | None = None
    release: Release | None = None

    @property
    def is_reportable(self) -> bool:
        return self.state == REPORTABLE

    @property
    def is_full(self) -> bool:
        return self.is_reportable and self.cell.disclosure == Disclosure.FULL

    @property
    def pct_favourable(self) -> int | None:
        return self.cell.pct_favourable if self.is_full else None

    @property
    def mean(self) -> float | None:
        return self.cell.mean if self.is_full else None

    @property
    def reason(self) -> str:
        return self.cell.suppression if self.state == NOT_REPORTABLE else ""


def released_measure(
    *, release: Release, school: School | None = None, item: Item | None = None, domain: Domain | None = None,
) -> ReleasedMeasure:
    """The cell of one measure (an item, a domain, or the respondent count when neither is
    given) for `school`, or for the whole organisation when `school` is None. Items and domains
    are matched by code, so an item of another version of the instrument finds its cell."""
    measure = measure_name(item=item, domain=domain)
    if school is None:
        key = result_key(View.ORGANISATION, measure=measure)
    else:
        key = result_key(View.SCHOOL, school_id=school.pk, measure=measure)
    cell = ResultCell.objects.filter(release=release, key=key).select_related("cluster").first()
    if cell is None and school is not None:
        # A small school has one placeholder cell saying where it is reported.
        cell = (
            ResultCell.objects.filter(release=release, key=result_key(View.SCHOOL, school_id=school.pk, measure="count"),
                                      suppression=Suppression.SMALL_SCHOOL)
            .select_related("cluster")
            .first()
        )
    if cell is None:
        return ReleasedMeasure(NO_RESULTS, release=release)
    state = NOT_REPORTABLE if cell.disclosure == Disclosure.SUPPRESSED else REPORTABLE
    return ReleasedMeasure(state, cell=cell, release=release)


def measure_trend(
    *, survey: Survey, school: School | None = None, item: Item | None = None, domain: Domain | None = None,
    waves: int = 5,
) -> list[ReleasedMeasure]:
    """`released_measure` in each wave of the series ending with `survey`, oldest first."""
    return [
        released_measure(release=release, school=school, item=item, domain=domain)
        for release in wave_releases(survey=survey, waves=waves)
    ]


# --- views of a release -----------------------------------------------------------------------
def _cells(release: Release) -> QuerySet[ResultCell]:
    return ResultCell.objects.filter(release=release).select_related("school", "cluster", "item", "domain")


def release_domains(*, release: Release) -> list[Domain]:
    """The domains of the release's instrument, in order."""
    return list(Domain.objects.filter(instrument_id=release.survey.instrument_id).order_by("order", "id"))


def release_items(*, release: Release) -> list[Item]:
    return list(
        Item.objects.filter(instrument_id=release.survey.instrument_id).select_related("domain").order_by("order", "number")
    )


@dataclass(frozen=True)
class PlaceRow:
    """A place (the organisation, a school or a cluster of small schools) and its cells, one
    per measure asked for (None where the release has no cell for it)."""

    label: str
    count: ResultCell | None
    cells: list[ResultCell | None]
    school: School | None = None
    cluster: ReleaseCluster | None = None


@dataclass(frozen=True)
class Heatmap:
    """Schools (and clusters) x domains of one release."""

    release: Release
    domains: list[Domain]
    organisation: PlaceRow
    rows: list[PlaceRow]


def organisation_heatmap(*, release: Release) -> Heatmap:
    """The organisation, each school and each cluster of small schools, by domain. A small
    school's row holds only its count cell (suppression "small_school", pointing at its cluster)."""
    domains = release_domains(release=release)
    cells = _cells(release).filter(
        view__in=[View.ORGANISATION, View.SCHOOL, View.CLUSTER], item__isnull=True
    )
    places: dict[tuple, dict] = {}
    for cell in cells:
        place = (cell.view, cell.school_id, cell.cluster_id if cell.view == View.CLUSTER else None)
        entry = places.setdefault(place, {"count": None, "domains": {}, "cell": cell})
        if cell.domain_id is None:
            entry["count"] = cell
        else:
            entry["domains"][cell.domain_id] = cell

    def row(place, entry) -> PlaceRow:
        view = place[0]
        cell = entry["cell"]
        label = cell.school.name if view == View.SCHOOL else (cell.cluster.label if view == View.CLUSTER else "")
        return PlaceRow(
            label=label, count=entry["count"], cells=[entry["domains"].get(d.pk) for d in domains],
            school=cell.school if view == View.SCHOOL else None, cluster=cell.cluster if view == View.CLUSTER else None,
        )

    organisation = next((row(p, e) for p, e in places.items() if p[0] == View.ORGANISATION), None)
    rows = sorted((row(p, e) for p, e in places.items() if p[0] != View.ORGANISATION), key=lambda r: r.label)
    return Heatmap(release=release, domains=domains, organisation=organisation or PlaceRow("", None, [None] * len(domains)),
                   rows=rows)


@dataclass(frozen=True)
class MeasureResult:
    """One item or domain at a place, beside the organisation's cell of the same measure."""

    measure: Item | Domain
    cell: ResultCell | None
    organisation_cell: ResultCell | None


@dataclass(frozen=True)
class DomainResults:
    domain: Domain
    result: MeasureResult
    items: list[MeasureResult] = field(default_factory=list)


@dataclass(frozen=True)
class PlaceResults:
    """A place's count cell and every domain with its items (a school's or a cluster's page,
    or the organisation's own)."""

    release: Release
    count: ResultCell | None
    domains: list[DomainResults]
    school: School | None = None
    cluster: ReleaseCluster | None = None


def place_results(
    *, release: Release, school: School | None = None, cluster: ReleaseCluster | None = None
) -> PlaceResults:
    """Domains and items of one school, one cluster, or (neither given) the organisation."""
    if school is not None and cluster is not None:
        raise ValueError("a place is a school or a cluster")
    cells = _cells(release)
    organisation_cells = {
        (c.item_id, c.domain_id): c for c in cells.filter(view=View.ORGANISATION)
    }
    if school is not None:
        mine = {(c.item_id, c.domain_id): c for c in cells.filter(view=View.SCHOOL, school=school)}
    elif cluster is not None:
        mine = {(c.item_id, c.domain_id): c for c in cells.filter(view=View.CLUSTER, cluster=cluster)}
    else:
        mine = organisation_cells
    count = mine.get((None, None))
    if school is not None and cluster is None and count is not None and count.cluster_id:
        cluster = count.cluster
    items_by_domain: dict[int, list[Item]] = {}
    for item in release_items(release=release):
        items_by_domain.setdefault(item.domain_id, []).append(item)
    domains = [
        DomainResults(
            domain=domain,
            result=MeasureResult(domain, mine.get((None, domain.pk)), organisation_cells.get((None, domain.pk))),
            items=[
                MeasureResult(item, mine.get((item.pk, None)), organisation_cells.get((item.pk, None)))
                for item in items_by_domain.get(domain.pk, [])
            ],
        )
        for domain in release_domains(release=release)
    ]
    return PlaceResults(release=release, count=count, domains=domains, school=school, cluster=cluster)


@dataclass(frozen=True)
class GroupRow:
    """One demographic group (an option of a question) and its cells, one per measure."""

    code: str
    label: str
    count: ResultCell | None
    cells: list[ResultCell | None]


@dataclass(frozen=True)
class QuestionCut:
    """A place cut by one demographic question. `cut_off` is set (a suppressed placeholder
    cell, reason "cut_off") when the place is too small for groups: `rows` is then empty."""

    question: DemographicQuestion
    measures: list[Item | Domain]
    rows: list[GroupRow]
    cut_off: ResultCell | None = None


def question_cut(
    *, release: Release, question: DemographicQuestion, school: School | None = None,
    measures: Sequence[Item | Domain] | None = None, language: str = "en",
) -> QuestionCut:
    """A school (or the organisation, `school` None) by one demographic question: a row per
    option that has a cell, with the count and one cell per measure (the domains by default)."""
    measures = list(measures) if measures is not None else release_domains(release=release)
    cells = _cells(release).filter(demographic_1=question, demographic_2__isnull=True)
    cells = cells.filter(view=View.SCHOOL_BY_GROUP, school=school) if school else cells.filter(
        view=View.ORGANISATION_BY_GROUP)
    by_code: dict[str, dict] = {}
    cut_off = None
    for cell in cells:
        if cell.suppression == Suppression.CUT_OFF:
            cut_off = cell
            continue
        by_code.setdefault(cell.code_1, {})[(cell.item_id, cell.domain_id)] = cell
    labels = dict(question.options_in(language))

    def measure_key(measure):
        return (measure.pk, None) if isinstance(measure, Item) else (None, measure.pk)

    rows = [
        GroupRow(code=code, label=labels.get(code, code), count=found.get((None, None)),
                 cells=[found.get(measure_key(m)) for m in measures])
        for code in question.option_codes
        if (found := by_code.get(code)) is not None
    ]
    return QuestionCut(question=question, measures=measures, rows=rows, cut_off=cut_off)


@dataclass(frozen=True)
class ItemDrilldown:
    """One item across the release: the organisation, every school and cluster, and every
    organisation-wide demographic group."""

    release: Release
    item: Item
    organisation: ResultCell | None
    places: list[ResultCell]
    groups: list[ResultCell]


def item_drilldown(*, release: Release, item: Item) -> ItemDrilldown:
    measure = measure_name(item=item)
    cells = [c for c in _cells(release).filter(key__endswith=f"/{measure}")]
    organisation = next((c for c in cells if c.view == View.ORGANISATION), None)
    places = sorted(
        (c for c in cells if c.view in (View.SCHOOL, View.CLUSTER)),
        key=lambda c: c.school.name if c.school_id else c.cluster.label,
    )
    groups = sorted(
        (c for c in cells if c.view == View.ORGANISATION_BY_GROUP), key=lambda c: (c.demographic_1_id, c.code_1)
    )
    return ItemDrilldown(release=release, item=item, organisation=organisation, places=places, groups=groups)


# --- the rest of a release --------------------------------------------------------------------
def release_comments(*, release: Release, school: School | None = None, cluster: ReleaseCluster | None = None):
    """Published comments (redacted, undated, in their shuffled order): the whole organisation's,
    or those of a school / cluster with at least 10 respondents. For leads only (DESIGN.md)."""
    comments = ReleaseComment.objects.filter(release=release).select_related("question")
    if school is not None:
        comments = comments.filter(school=school)
    if cluster is not None:
        comments = comments.filter(cluster=cluster)
    return comments.order_by("position")


def release_reliability(*, release: Release) -> QuerySet[DomainReliability]:
    """Cronbach's alpha per domain at organisation level; `flagged` under 0.70."""
    return DomainReliability.objects.filter(release=release).select_related("domain").order_by("domain__order")


def release_drivers(*, release: Release, outcome: Domain | None = None) -> QuerySet[Driver]:
    """Relative importance (Johnson's relative weights, a share of the explained variance) of
    each domain for each outcome domain, most important first."""
    drivers = Driver.objects.filter(release=release).select_related("outcome", "domain")
    if outcome is not None:
        drivers = drivers.filter(outcome=outcome)
    return drivers.order_by("outcome__order", "-importance")


def release_cells(*, release: Release, views: Sequence[str] | None = None) -> QuerySet[ResultCell]:
    """Every cell of a release (for exports and the API), in key order."""
    cells = _cells(release)
    if views:
        cells = cells.filter(view__in=list(views))
    return cells.order_by("key")


def cell_by_key(*, release: Release, key: str) -> ResultCell | None:
    return ResultCell.objects.filter(release=release, key=key).select_related(
        "school", "cluster", "item", "domain").first()

