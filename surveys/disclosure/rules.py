"""The disclosure rules that are thresholds rather than algebra (DESIGN.md, "Anonymity rules").

* Group disclosure: a cell of fewer than 10 respondents shows only its % favourable, as a band
  that never reads 0 % or 100 % ("100 % disagree" tells everyone's answer).
* Small schools: a school with fewer than 10 respondents is reported only inside a cluster of at
  least five such schools; a school with fewer than 20 gets no demographic cuts.
* Comments: shown only for a scope of at least 10 respondents, never for a demographic group.
* Response rates: shown only where at least k were invited and at least k responded.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

FULL_STATISTICS_MIN = 10
SMALL_SCHOOL_MAX = 9  # a school with at most this many respondents is clustered
CLUSTER_MIN_SCHOOLS = 5
DEMOGRAPHIC_CUTS_MIN = 20
COMMENTS_MIN = 10


# -- group disclosure ------------------------------------------------------------------------


@dataclass(frozen=True)
class FavourableBand:
    """A range of % favourable, both ends inclusive, e.g. 0..20 shown as "20 % or less"."""

    low: int
    high: int

    def label(self) -> str:
        from django.utils.translation import gettext

        if self.low == 0:
            return gettext("%(high)s %% or less") % {"high": self.high}
        if self.high == 100:
            return gettext("%(low)s %% or more") % {"low": self.low}
        if self.low == self.high:
            return gettext("about %(value)s %%") % {"value": self.low}
        return gettext("%(low)s–%(high)s %%") % {"low": self.low, "high": self.high}


def shows_full_statistics(n: int) -> bool:
    """Distribution, mean and the three percentages only from 10 respondents up."""
    return n >= FULL_STATISTICS_MIN


def favourable_band(favourable: int, n: int) -> FavourableBand:
    """The band shown for a cell of k..9 answers.

    The rule: the edge e is the smallest multiple of 10 at or above 100/n (n=5..9: 20; n=4: 30;
    n=3: 40). A share of e or less reads "e % or less", one of 100-e or more "100-e % or more",
    anything between is rounded to the nearest 10 (halves up). Since one person's answer is worth
    100/n <= e points, the bottom band holds both "nobody" and "one person" (and the top band
    "everybody" and "all but one"): no band tells that every answer was the same."""
    if n < 1:
        raise ValueError("a band needs at least one answer")
    if not 0 <= favourable <= n:
        raise ValueError("favourable must be between 0 and n")
    if n >= FULL_STATISTICS_MIN:
        raise ValueError("cells of 10 or more show full statistics, not a band")
    edge = 10 * math.ceil(100 / (10 * n))
    share = 100 * favourable / n
    if share <= edge:
        return FavourableBand(0, edge)
    if share >= 100 - edge:
        return FavourableBand(100 - edge, 100)
    rounded = 10 * math.floor(share / 10 + 0.5)
    return FavourableBand(rounded, rounded)


# -- small schools ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolCount:
    school: Hashable
    phase: str
    respondents: int


@dataclass(frozen=True)
class Clustering:
    """``clusters``: tuples of school ids, each reported as one group; ``unreported``: small
    schools that could not be placed in a cluster (too few small schools or respondents)."""

    clusters: tuple[tuple[Hashable, ...], ...]
    unreported: tuple[Hashable, ...]

    def cluster_of(self, school: Hashable) -> int | None:
        for index, members in enumerate(self.clusters):
            if school in members:
                return index
        return None


def is_small_school(respondents: int) -> bool:
    return respondents <= SMALL_SCHOOL_MAX


def demographic_cuts_allowed(respondents: int) -> bool:
    """School x demographic group cells only for schools of at least 20 respondents."""
    return respondents >= DEMOGRAPHIC_CUTS_MIN


def cluster_small_schools(schools: Sequence[SchoolCount], *, k: int) -> Clustering:
    """Group the schools of fewer than 10 respondents into clusters, deterministically.

    Only schools with at least one respondent take part (a school with none adds nothing to hide
    behind). Within each phase, schools sorted by (respondents, id) are cut into runs of five; a
    phase's leftover (fewer than five) joins the phase's last cluster, the one nearest in size.
    Phases too small for a cluster of their own are pooled, in (phase, respondents, id) order, and
    cut the same way; a final remainder joins the last pooled cluster, or failing that the last
    cluster formed. A cluster of fewer than k respondents is merged into its neighbour in that
    order. If all small schools together are fewer than five or hold fewer than k respondents,
    none is reported."""
    small = sorted(
        (s for s in schools if 0 < s.respondents <= SMALL_SCHOOL_MAX),
        key=lambda s: (s.phase, s.respondents, repr(s.school)),
    )
    if len(small) < CLUSTER_MIN_SCHOOLS or sum(s.respondents for s in small) < k:
        return Clustering(clusters=(), unreported=tuple(s.school for s in small))
    by_phase: dict[str, list[SchoolCount]] = {}
    for school in small:
        by_phase.setdefault(school.phase, []).append(school)
    clusters: list[list[SchoolCount]] = []
    pooled: list[SchoolCount] = []
    for members in by_phase.values():
        if len(members) < CLUSTER_MIN_SCHOOLS:
            pooled.extend(members)
            continue
        clusters.extend(_runs_of_five(members))
    if pooled:
        if len(pooled) >= CLUSTER_MIN_SCHOOLS:
            clusters.extend(_runs_of_five(pooled))
        else:
            clusters[-1].extend(pooled)
    clusters = _merge_below_k(clusters, k)
    return Clustering(
        clusters=tuple(tuple(s.school for s in members) for members in clusters), unreported=()
    )


def _runs_of_five(members: list[SchoolCount]) -> list[list[SchoolCount]]:
    runs = [
        members[i : i + CLUSTER_MIN_SCHOOLS] for i in range(0, len(members), CLUSTER_MIN_SCHOOLS)
    ]
    if len(runs) > 1 and len(runs[-1]) < CLUSTER_MIN_SCHOOLS:
        runs[-2].extend(runs.pop())
    return runs


def _merge_below_k(clusters: list[list[SchoolCount]], k: int) -> list[list[SchoolCount]]:
    merged: list[list[SchoolCount]] = []
    for members in clusters:
        if merged and sum(s.respondents for s in merged[-1]) < k:
            merged[-1].extend(members)
        else:
            merged.append(list(members))
    if len(merged) > 1 and sum(s.respondents for s in merged[-1]) < k:
        merged[-2].extend(merged.pop())
    return merged


# -- comments and response rates -------------------------------------------------------------


def comments_shown(*, respondents: int, demographic_group: bool) -> bool:
    """Comments belong to a whole scope (organisation, school, cluster) of at least 10
    respondents; a demographic group's comments are never shown, whatever its size."""
    return not demographic_group and respondents >= COMMENTS_MIN


def response_rate_shown(*, invited: int, responded: int, k: int) -> bool:
    return invited >= k and responded >= k
