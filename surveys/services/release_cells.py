"""From a wave's aggregates to the result cells of a release.

The aggregation module hands over counts and sums per group; this module decides what each group
may show (DESIGN.md, "Anonymity rules") and computes the statistics of what it shows:

1. Small schools (surveys.disclosure.rules): a school with 1-9 respondents is reported inside a
   cluster of at least five such schools (or, when there are too few, in the organisation's
   totals only) and has one placeholder cell saying so; a school with fewer than 20 respondents
   gets no demographic cuts (placeholders again).
2. Disclosure control over groups of respondents, with `surveys.disclosure.protect`: primary
   suppression (fewer than k respondents) and complementary suppression until the rank audit
   finds no group of 1..k-1 respondents derivable from this release's groups together with the
   groups already published by the survey's earlier releases that are still visible (interim
   releases, or a final release being rebuilt). Respondents are collapsed into atoms: profile
   (school, demographic codes) x the releases they are counted in. Releases of *other* surveys
   are left out of the audit on purpose: their respondents are other rows, so their cells span
   a separate block of coordinates and cannot combine with this release's into a small group.
3. Per cell of a published group, for each item and domain: fewer than k valid answers is
   suppressed (primary), fewer than 10 shows the band of % favourable only (the disclosure
   rules' band), otherwise every statistic (surveys.statistics), with the change since the
   previous wave's release and the difference from the rest of the organisation, flagged after
   Benjamini-Hochberg within each family (the items, or the domains, of one group, for one
   comparison and one statistic), tested together at the end (vectorised).

A domain's % favourable is the mean of the % favourable of its items that are shown in full in
that group: an item shown as a band (or not at all) must not be recoverable from its domain.

What this does not protect: the rank audit works on respondents, as DESIGN.md models it; an
item's valid answers can be fewer than its group's respondents (skipped, not applicable), and
per-item differences between two published groups are not audited separately.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import statistics as st
from ..aggregation import DomainInfo, DomainSums, Group, ItemCounts, ItemInfo
from ..disclosure.audit import Atom, Cell
from ..disclosure.protect import Protection, protect
from ..disclosure.rules import FULL_STATISTICS_MIN, favourable_band, shows_full_statistics
from ..models import ResultCell
from ..results import result_key

View = ResultCell.View
Disclosure = ResultCell.Disclosure
Suppression = ResultCell.Suppression

NEW = "new"
ANY_CODE = "*"  # a placeholder cell standing for every group of a question


# --- disclosure control --------------------------------------------------------------------------
@dataclass(frozen=True)
class EarlierRelease:
    """What an earlier, still visible release of the same survey published: its groups, its
    clusters and its atoms (respondents per profile)."""

    release_id: int
    groups: frozenset[Group]
    clusters: Sequence[Sequence[int]]
    profiles: Mapping[tuple, int]  # (school id, codes) -> respondents


class InconsistentReleases(RuntimeError):
    """An earlier release counted respondents this one does not have (answers were deleted)."""


def groups_of_profile(school: int, codes: Sequence, questions: Sequence[str], cluster_of: Mapping[int, int]):
    """Every group a respondent of this profile is in (the same views as the aggregation)."""
    answered = [(questions[i], code) for i, code in enumerate(codes) if code is not None]
    yield Group(View.ORGANISATION)
    yield Group(View.SCHOOL, school_id=school)
    if school in cluster_of:
        yield Group(View.CLUSTER, cluster=cluster_of[school])
    for answer in answered:
        yield Group(View.SCHOOL_BY_GROUP, school_id=school, answers=(answer,))
        yield Group(View.ORGANISATION_BY_GROUP, answers=(answer,))
    for i, first in enumerate(answered):
        for second in answered[i + 1 :]:
            yield Group(View.ORGANISATION_BY_TWO_GROUPS, answers=(first, second))


@dataclass(frozen=True)
class GroupProtection:
    statuses: dict[Group, str]  # "published", "primary" or "complementary"
    audit_seconds: float


def protect_groups(
    *, k: int, questions: Sequence[str], profiles: Mapping[tuple, int], groups: Sequence[Group],
    clusters: Sequence[Sequence[int]], earlier: Sequence[EarlierRelease] = (),
) -> GroupProtection:
    """Decide which of this release's `groups` are published (see the module docstring)."""
    releases = [*earlier, None]
    per_release = [e.profiles for e in earlier] + [profiles]
    cluster_maps = [
        {school: i for i, members in enumerate(r.clusters if r else clusters) for school in members}
        for r in releases
    ]
    tags = [e.release_id for e in earlier] + [NEW]
    wanted = {(NEW, g) for g in groups} | {(e.release_id, g) for e in earlier for g in e.groups}

    atoms: list[Atom] = []
    members: dict[tuple, set] = defaultdict(set)
    every_profile = set().union(*(set(p) for p in per_release))
    for profile in sorted(every_profile, key=repr):
        school, codes = profile
        before = 0
        for first, counts in enumerate(per_release):
            now = counts.get(profile, 0)
            if now < before:
                raise InconsistentReleases(f"profile {profile!r}: {before} respondents before, {now} now")
            if now > before:
                atom = Atom(id=(profile, first), size=now - before, block=school)
                atoms.append(atom)
                for r in range(first, len(per_release)):
                    for group in groups_of_profile(school, codes, questions, cluster_maps[r]):
                        if (tags[r], group) in wanted:
                            members[(tags[r], group)].add(atom.id)
            before = now
    cells = [
        Cell(id=key, atoms=frozenset(atom_ids), fixed=key[0] != NEW)
        for key, atom_ids in sorted(members.items(), key=lambda item: repr(item[0]))
    ]
    if not cells:
        return GroupProtection({}, 0.0)
    protection: Protection = protect(atoms, cells, k)
    return GroupProtection(
        {g: protection.status((NEW, g)) for g in groups if (NEW, g) in members},
        protection.audit_seconds,
    )


# --- cells ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PreviousCell:
    """A cell of the previous wave's published release, shown in full."""

    favourable_share: float
    n: int
    mean: float
    sd: float | None


@dataclass
class ReleaseInputs:
    """Everything the cells are computed from: one wave's aggregates and the context."""

    k: int
    items: Sequence[ItemInfo]
    domains: Sequence[DomainInfo]
    respondents: Mapping[Group, int]
    item_counts: Mapping[tuple[Group, int], ItemCounts]
    domain_sums: Mapping[tuple[Group, int], DomainSums]
    previous: Mapping[str, PreviousCell] = field(default_factory=dict)


def cell_key(group: Group, measure: str, *, cluster_schools: Sequence[int] = ()) -> str:
    """The group's cell of `measure` (surveys.results.result_key): the same cell of two waves
    has the same key; a cluster is named by its schools, so only an identical cluster matches."""
    return result_key(group.view, measure=measure, school_id=group.school_id, cluster_schools=cluster_schools,
                      answers=group.answers)


EMPTY_STATISTICS = dict.fromkeys(
    ("respondents", "n", "distribution", "mean", "sd", "pct_favourable", "pct_neutral", "pct_unfavourable",
     "favourable_share", "ci_low", "ci_high", "favourable_band_low", "favourable_band_high", "change",
     "change_significant", "mean_change", "mean_change_significant", "difference", "difference_significant",
     "mean_difference", "mean_difference_significant"),
)


def _row(group: Group, key: str, *, item=None, domain=None, disclosure: str, suppression: str = "", **values) -> dict:
    return {
        "group": group, "key": key, "item_id": item, "domain_id": domain,
        "disclosure": disclosure, "suppression": suppression, **EMPTY_STATISTICS, **values,
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


@dataclass
class _Tests:
    """The comparisons of a release, collected while its cells are made and tested together at
    the end (vectorised), then flagged within each family (Benjamini-Hochberg)."""

    proportions: list[tuple] = field(default_factory=list)  # (row, name, family, share, n, share 2, n 2)
    means: list[tuple] = field(default_factory=list)  # (row, name, family, mean, sd, n, mean 2, sd 2, n 2)

    def run(self) -> None:
        """All tests at once; Benjamini-Hochberg within each family, vectorised (sorted by
        family, then p): the same q-values as statistics.benjamini_hochberg per family."""
        gaps, p_values, families, targets = [], [], [], []
        family_index: dict[tuple, int] = {}
        for tests, compare, digits, min_gap in (
            (self.proportions, st.proportion_comparisons, 1, st.MIN_GAP_POINTS),
            (self.means, st.mean_comparisons, 3, st.MIN_GAP_MEAN),
        ):
            if not tests:
                continue
            columns = list(zip(*(test[3:] for test in tests), strict=True))
            for (row, name, family, *_inputs), comparison in zip(tests, compare(*columns), strict=True):
                row[name] = round(comparison.gap, digits)
                group, *rest = family
                families.append(family_index.setdefault((id(group), *rest), len(family_index)))
                gaps.append(abs(comparison.gap) >= min_gap - 1e-9)
                p_values.append(np.nan if comparison.p_value is None else comparison.p_value)
                targets.append((row, f"{name}_significant"))
        if not targets:
            return
        p = np.array(p_values, dtype=float)
        family = np.array(families)
        flags = np.zeros(len(p), dtype=bool)
        tested = np.flatnonzero(~np.isnan(p))
        order = tested[np.lexsort((p[tested], family[tested]))]
        ordered_family = family[order]
        starts = np.flatnonzero(np.r_[True, ordered_family[1:] != ordered_family[:-1]])
        ends = np.r_[starts[1:], len(order)]
        q = np.empty(len(order))
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            members = order[start:end]
            m = end - start
            scaled = p[members] * m / np.arange(1, m + 1)
            q[start:end] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
        flags[order] = q < st.SIGNIFICANCE
        large = np.array(gaps, dtype=bool)
        tested_mask = ~np.isnan(p)
        for (row, name), was_tested, flag, big in zip(
            targets, tested_mask.tolist(), flags.tolist(), large.tolist(), strict=True
        ):
            row[name] = bool(flag and big) if was_tested else None


class CellBuilder:
    """The result cells of one release (rows of ResultCell as dicts, with a `group`)."""

    def __init__(self, inputs: ReleaseInputs, *, cluster_schools: Sequence[Sequence[int]] = ()):
        self.inputs = inputs
        self.cluster_schools = cluster_schools
        self.items_of = defaultdict(list)
        for item in inputs.items:
            self.items_of[item.domain_id].append(item)
        self.organisation = Group(View.ORGANISATION)
        # Measures whose organisation cell is shown in full: a difference from the rest of the
        # organisation is only shown where both cells are.
        self._organisation_full: dict[tuple[str, int], bool] = {}
        self._tests = _Tests()
        self._count_statistics()

    def _count_statistics(self) -> None:
        """The statistics of every (group, item) count and of the rest of the organisation
        beside it, computed at once (numpy) rather than cell by cell."""
        counts = self.inputs.item_counts
        keys = list(counts)
        self._item_index = {key: i for i, key in enumerate(keys)}
        matrix = np.array([counts[key].counts for key in keys], dtype=np.int64).reshape(-1, 5)
        self._item_statistics = st.count_statistics(matrix)
        rows, organisation_rows = [], []
        for i, (group, item_id) in enumerate(keys):
            o = self._item_index.get((self.organisation, item_id))
            if o is not None and not group.is_organisation:
                rows.append(i)
                organisation_rows.append(o)
        self._rest_index = {i: r for r, i in enumerate(rows)}
        self._rest_statistics = st.count_statistics(matrix[organisation_rows] - matrix[rows])

    def key(self, group: Group, measure: str) -> str:
        schools = self.cluster_schools[group.cluster] if group.cluster is not None else ()
        return cell_key(group, measure, cluster_schools=schools)

    # -- whole groups -------------------------------------------------------------------------
    def suppressed_group(self, group: Group, reason: str) -> list[dict]:
        """A group that shows nothing: its count cell and a cell per measure, all empty."""
        measure_rows = [
            _row(group, self.key(group, "count"), disclosure=Disclosure.SUPPRESSED, suppression=reason)
        ]
        for item in self.inputs.items:
            measure_rows.append(_row(group, self.key(group, f"item:{item.code}"), item=item.id,
                                     disclosure=Disclosure.SUPPRESSED, suppression=reason))
        for domain in self.inputs.domains:
            measure_rows.append(_row(group, self.key(group, f"domain:{domain.code}"), domain=domain.id,
                                     disclosure=Disclosure.SUPPRESSED, suppression=reason))
        return measure_rows

    def published_group(self, group: Group) -> list[dict]:
        respondents = self.inputs.respondents[group]
        rows = [_row(group, self.key(group, "count"), disclosure=Disclosure.FULL, respondents=respondents,
                     n=respondents)]
        full_items: dict[int, st.Shares] = {}
        shown_items: dict[int, st.Shares] = {}
        for item in self.inputs.items:
            row, shares = self._item_cell(group, item, respondents)
            rows.append(row)
            if row["disclosure"] != Disclosure.SUPPRESSED:
                shown_items[item.id] = shares
            if row["disclosure"] == Disclosure.FULL:
                full_items[item.id] = shares
        for domain in self.inputs.domains:
            rows.append(self._domain_cell(group, domain, respondents, full_items, shown_items))
        return rows

    # -- comparisons ----------------------------------------------------------------------------
    def _comparisons(self, group: Group, kind: str, row: dict, *, share: float, n: int, mean: float,
                     sd: float | None, rest: tuple | None) -> None:
        """Queue the change since the previous wave and the difference from the rest of the
        organisation; families are per group, kind of measure, comparison and statistic."""
        previous = self.inputs.previous.get(row["key"])
        if previous is not None:
            self._tests.proportions.append(
                (row, "change", (group, kind, "change", "pct"), share, n, previous.favourable_share, previous.n))
            self._tests.means.append(
                (row, "mean_change", (group, kind, "change", "mean"), mean, sd, n, previous.mean, previous.sd,
                 previous.n))
        if rest is not None:
            rest_share, rest_n, rest_mean, rest_sd = rest
            self._tests.proportions.append(
                (row, "difference", (group, kind, "difference", "pct"), share, n, rest_share, rest_n))
            self._tests.means.append(
                (row, "mean_difference", (group, kind, "difference", "mean"), mean, sd, n, rest_mean, rest_sd,
                 rest_n))

    # -- items ----------------------------------------------------------------------------------
    def _item_cell(self, group: Group, item: ItemInfo, respondents: int) -> tuple[dict, st.Shares | None]:
        key = self.key(group, f"item:{item.code}")
        i = self._item_index.get((group, item.id))
        stats = self._item_statistics
        n = 0 if i is None else stats.n[i]
        if n < self.inputs.k:
            return _row(group, key, item=item.id, disclosure=Disclosure.SUPPRESSED,
                        suppression=Suppression.PRIMARY), None
        counts = self.inputs.item_counts[(group, item.id)]
        shares = st.Shares(stats.favourable[i], stats.neutral[i], stats.unfavourable[i])
        if not shows_full_statistics(n):
            band = favourable_band(counts.counts[3] + counts.counts[4], n)
            return _row(group, key, item=item.id, disclosure=Disclosure.BANDED, respondents=respondents, n=n,
                        favourable_band_low=band.low, favourable_band_high=band.high), shares
        mean, sd = stats.mean[i], stats.sd[i]
        favourable, neutral, unfavourable = shares.percentages()
        ci_low, ci_high = stats.ci_low[i], stats.ci_high[i]
        row = _row(
            group, key, item=item.id, disclosure=Disclosure.FULL, respondents=respondents, n=n,
            distribution={str(v): c for v, c in zip(range(1, 6), counts.counts, strict=True)},
            mean=round(mean, 3), sd=_round(sd, 3), pct_favourable=favourable, pct_neutral=neutral,
            pct_unfavourable=unfavourable, favourable_share=shares.favourable,
            ci_low=round(100 * ci_low, 1), ci_high=round(100 * ci_high, 1),
        )
        rest = None
        if not group.is_organisation and self._organisation_full.get(("item", item.id)):
            r = self._rest_index[i]
            left = self._rest_statistics
            if left.n[r] >= self.inputs.k:
                rest = (left.favourable[r], left.n[r], left.mean[r], left.sd[r])
        self._comparisons(group, "item", row, share=shares.favourable, n=n, mean=mean, sd=sd, rest=rest)
        return row, shares

    # -- domains --------------------------------------------------------------------------------
    def _domain_cell(self, group: Group, domain: DomainInfo, respondents: int, full_items, shown_items) -> dict:
        key = self.key(group, f"domain:{domain.code}")
        sums = self.inputs.domain_sums.get((group, domain.id), DomainSums(0, 0.0, 0.0))
        full = [full_items[i.id] for i in self.items_of[domain.id] if i.id in full_items]
        shown = [shown_items[i.id] for i in self.items_of[domain.id] if i.id in shown_items]
        n = sums.n
        if n < self.inputs.k or not shown:
            return _row(group, key, domain=domain.id, disclosure=Disclosure.SUPPRESSED,
                        suppression=Suppression.PRIMARY)
        if not shows_full_statistics(n) or not full:
            # A domain's favourability is a mean of its items' shares, banded as that share of
            # its people; when its items are banded but it has 10 people or more, as of 9.
            band_n = min(n, FULL_STATISTICS_MIN - 1)
            band = favourable_band(round(st.mean_shares(shown).favourable * band_n), band_n)
            return _row(group, key, domain=domain.id, disclosure=Disclosure.BANDED, respondents=respondents, n=n,
                        favourable_band_low=band.low, favourable_band_high=band.high)
        shares = st.mean_shares(full)
        mean, sd = st.mean_and_sd(n, sums.total, sums.squares)
        favourable, neutral, unfavourable = shares.percentages()
        ci_low, ci_high = st.wilson_interval(shares.favourable, n)
        row = _row(
            group, key, domain=domain.id, disclosure=Disclosure.FULL, respondents=respondents, n=n,
            mean=round(mean, 3), sd=_round(sd, 3), pct_favourable=favourable, pct_neutral=neutral,
            pct_unfavourable=unfavourable, favourable_share=shares.favourable,
            ci_low=round(100 * ci_low, 1), ci_high=round(100 * ci_high, 1),
        )
        rest = None
        if not group.is_organisation and self._organisation_full.get(("domain", domain.id)):
            left = self.inputs.domain_sums[(self.organisation, domain.id)] - sums
            rest_items = []
            rest_of = self._rest_statistics
            for item in self.items_of[domain.id]:
                if item.id in full_items:
                    r = self._rest_index[self._item_index[(group, item.id)]]
                    if rest_of.n[r] > 0:
                        rest_items.append(st.Shares(rest_of.favourable[r], rest_of.neutral[r],
                                                    rest_of.unfavourable[r]))
            if left.n >= self.inputs.k and rest_items:
                rest_mean, rest_sd = st.mean_and_sd(left.n, left.total, left.squares)
                rest = (st.mean_shares(rest_items).favourable, left.n, rest_mean, rest_sd)
        self._comparisons(group, "domain", row, share=shares.favourable, n=n, mean=mean, sd=sd, rest=rest)
        return row

    # -- the whole release ----------------------------------------------------------------------
    def rows(self, statuses: Mapping[Group, str], *, placeholders: Sequence[dict] = ()) -> list[dict]:
        """Every cell: published groups first (the organisation's before the others, so that
        differences can refer to it), suppressed groups, then `placeholders`."""
        self._organisation_full = {}
        self._tests = _Tests()
        ordered = sorted(statuses, key=lambda g: (not g.is_organisation, repr(g)))
        found: list[dict] = []
        for group in ordered:
            status = statuses[group]
            if status != "published":
                reason = Suppression.PRIMARY if status == "primary" else Suppression.COMPLEMENTARY
                found.extend(self.suppressed_group(group, reason))
                continue
            group_rows = self.published_group(group)
            if group.is_organisation:
                self._organisation_full = {
                    ("item" if r["item_id"] else "domain", r["item_id"] or r["domain_id"]): True
                    for r in group_rows
                    if r["disclosure"] == Disclosure.FULL and (r["item_id"] or r["domain_id"])
                }
            found.extend(group_rows)
        self._tests.run()
        found.extend(placeholders)
        return found


def small_school_placeholders(builder: CellBuilder, schools: Sequence[int]) -> list[dict]:
    return [
        _row(Group(View.SCHOOL, school_id=s), builder.key(Group(View.SCHOOL, school_id=s), "count"),
             disclosure=Disclosure.SUPPRESSED, suppression=Suppression.SMALL_SCHOOL)
        for s in schools
    ]


def cut_off_placeholders(builder: CellBuilder, schools: Sequence[int], questions: Sequence[str]) -> list[dict]:
    rows = []
    for school in schools:
        for question in questions:
            group = Group(View.SCHOOL_BY_GROUP, school_id=school, answers=((question, ANY_CODE),))
            rows.append(_row(group, cell_key(group, "count"), disclosure=Disclosure.SUPPRESSED,
                             suppression=Suppression.CUT_OFF))
    return rows


def count_by_disclosure(rows: Sequence[dict]) -> Counter:
    """How many cells were published, banded, suppressed first-hand and suppressed to protect others."""
    counted = Counter()
    for row in rows:
        if row["disclosure"] == Disclosure.FULL:
            counted["published"] += 1
        elif row["disclosure"] == Disclosure.BANDED:
            counted["banded"] += 1
        elif row["suppression"] == Suppression.PRIMARY:
            counted["primary"] += 1
        elif row["suppression"] == Suppression.COMPLEMENTARY:
            counted["complementary"] += 1
    return counted

