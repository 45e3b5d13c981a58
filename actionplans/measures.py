"""The one door from action plans to released survey results.

Everything the action plans read from the results (a measure's value at a scope, the releases
there are, what a result cell says when a lead quotes it) goes through the functions here, and
these read only through the results' selectors (surveys/results.py): never answers, and never a
statistic that the release builder did not publish.

* `survey_measure_value` reads the one cell of `release` for the objective's scope (school view,
  or organisation view when `scope_school` is None) and measure (the item or the domain, matched
  by `code`, so another version of the instrument finds its cell). It answers `reportable` with
  the statistic, `not_reportable` for a suppressed cell (never its number) and for a banded one
  (a band is not a value, and an objective never reads one as if it were), or `no_results` when
  the release has no such cell (the survey did not include that school, or asked no such item).
* `release_facts` and `latest_releases_for` describe published releases; `finding_cell` and
  `finding_facts` describe one cell, for "create action from this" and "you said, we did" quotes.
* `actionplans.tasks.on_release_published` is connected to the surveys' "release published"
  signal in ActionplansConfig.ready.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from surveys import results

NO_RESULTS = "no_results"
REPORTABLE = "reportable"
NOT_REPORTABLE = "not_reportable"

ReadingState = Literal["no_results", "reportable", "not_reportable"]


@dataclass(frozen=True)
class MeasureReading:
    """What a release says about one measure at one scope.

    `value` is set only when `state` is "reportable". `significant_change` is the results' own
    verdict on the change since the previous wave (p < 0.05 and large enough to matter): True,
    False, or None where it could not be tested (no previous wave, groups too small)."""

    state: ReadingState
    value: Decimal | None = None
    n: int | None = None
    significant_change: bool | None = None

    @property
    def is_reportable(self) -> bool:
        return self.state == REPORTABLE and self.value is not None


@dataclass(frozen=True)
class ReleaseFacts:
    """A published release: which survey (wave) it belongs to and the date its values count from
    (`measured_on`: the day the survey closed, or the interim release's own day while it is still
    open; a wave's results describe the time staff answered, not the day they were published)."""

    release_id: int
    survey_id: int
    published_on: datetime.date
    label: str = ""
    replaces: tuple[int, ...] = ()
    measured_on: datetime.date | None = None

    def __post_init__(self):
        if self.measured_on is None:
            object.__setattr__(self, "measured_on", self.published_on)


@dataclass(frozen=True)
class FindingFacts:
    """A result cell as a lead would quote it: a label in words and its reading."""

    release_id: int
    cell_key: str
    label: str
    reading: MeasureReading
    published_on: datetime.date | None = None
    unit: str = "%"  # "%" for % favourable, "" for a mean
    school_id: int | None = None  # the cell's school; None for the organisation or a cluster


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _facts(release) -> ReleaseFacts:
    survey = release.survey
    if release.kind == release.Kind.INTERIM:
        label = _("%(survey)s interim results") % {"survey": survey.title}
    else:
        label = _("%(survey)s results") % {"survey": survey.title}
    # The other releases people saw of the same wave (an interim one before the final): their
    # readings are replaced by this one's.
    replaces = tuple(other.pk for other in results.releases_visible(survey=survey) if other.pk != release.pk)
    closed_on = timezone.localdate(survey.closes_at, timezone=ZoneInfo(survey.time_zone))
    return ReleaseFacts(release_id=release.pk, survey_id=survey.pk, published_on=release.published_on,
                        label=str(label), replaces=replaces, measured_on=min(closed_on, release.published_on))


def _published_release(release_id: int):
    return results.Release.objects.filter(
        pk=release_id, status=results.Release.Status.PUBLISHED).select_related("survey").first()


def _reading(cell, statistic: str) -> MeasureReading:
    """What one result cell says about `statistic`: a number only from a cell shown in full."""
    if cell is None:
        return MeasureReading(state=NO_RESULTS)
    if cell.disclosure != results.Disclosure.FULL:
        return MeasureReading(state=NOT_REPORTABLE)
    if statistic == "mean":
        value, significant = cell.mean, cell.mean_change_significant
    else:
        value = cell.pct_favourable
        significant = cell.change_significant
    if value is None:
        return MeasureReading(state=NOT_REPORTABLE)
    return MeasureReading(state=REPORTABLE, value=Decimal(str(round(value, 2))), n=cell.n,
                          significant_change=significant)


def survey_measure_value(*, release: ReleaseFacts, scope_school, item=None, domain=None,
                         statistic: str) -> MeasureReading:
    """The value of an item or a domain (`statistic`: "pct_favourable" or "mean") in `release`,
    for `scope_school` (a School) or the whole organisation (None)."""
    published = results.Release.objects.filter(pk=release.release_id).select_related("survey").first()
    if published is None:
        return MeasureReading(state=NO_RESULTS)
    measure = results.released_measure(release=published, school=scope_school, item=item, domain=domain)
    if measure.state == results.NO_RESULTS:
        return MeasureReading(state=NO_RESULTS)
    if measure.state == results.NOT_REPORTABLE:
        return MeasureReading(state=NOT_REPORTABLE)
    return _reading(measure.cell, statistic)


def latest_releases_for(*, organisation=None, surveys: Iterable | None = None) -> list[ReleaseFacts]:
    """The published release of each survey (of `surveys`, or every survey of the organisation
    in context), oldest first."""
    return [_facts(release) for release in results.releases_published(surveys=surveys)]


def release_facts(*, release_id: int) -> ReleaseFacts | None:
    """One published release of the organisation in context, or None."""
    release = _published_release(release_id)
    return _facts(release) if release is not None else None


def finding_cell(*, release_id: int | None, cell_key: str):
    """The result cell a finding names (a release people may see, and a key in it), or None."""
    if not release_id or not 0 < release_id < 2**63 or not cell_key:
        return None
    release = results.Release.objects.filter(pk=release_id, status__in=results.VISIBLE).first()
    if release is None:
        return None
    return results.cell_by_key(release=release, key=cell_key)


def _place(cell, language: str) -> str:
    if cell.view == results.View.CLUSTER and cell.cluster_id:
        place = cell.cluster.label
    elif cell.school_id:
        place = cell.school.name
    else:
        place = str(_("the whole organisation"))
    groups = []
    for question, code in ((cell.demographic_1, cell.code_1), (cell.demographic_2, cell.code_2)):
        if question is not None:
            groups.append(dict(question.options_in(language)).get(code, code))
    if groups:
        return _("%(place)s, %(groups)s") % {"place": place, "groups": ", ".join(groups)}
    return place


def cell_label(cell) -> str:
    """A result cell in words, e.g. "Workload and demands at Oak Primary"."""
    language = _language()
    if cell.item_id:
        measure = cell.item.text_in(language)
    elif cell.domain_id:
        measure = cell.domain.name_in(language)
    else:
        measure = str(_("Respondents"))
    return _("%(measure)s at %(place)s") % {"measure": measure, "place": _place(cell, language)}


def cell_facts(cell) -> FindingFacts:
    """A result cell as a lead would quote it: its label and its % favourable (when shown in full)."""
    release = cell.release
    return FindingFacts(
        release_id=cell.release_id, cell_key=cell.key, label=str(cell_label(cell))[:300],
        reading=_reading(cell, "pct_favourable"), published_on=release.published_on, unit="%",
        school_id=cell.school_id,
    )


def finding_facts(*, release_id: int, cell_key: str) -> FindingFacts | None:
    """One published result cell of the organisation in context, by its release and key, or
    None when there is no such cell."""
    cell = finding_cell(release_id=release_id, cell_key=cell_key)
    return cell_facts(cell) if cell is not None else None
