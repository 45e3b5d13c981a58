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

Item non-response: an item's valid answers can be fewer than its group's respondents (skipped,
not applicable), so two published groups can differ by k respondents and fewer answers. Given the
snapshot's answered counts per profile, `protect_groups` also audits each item and domain over
its answerers (surveys.disclosure.measures) and names the measure cells to hide
(`GroupProtection.measures_hidden`, suppression "complementary").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings

from .. import statistics as st
from ..aggregation import DomainInfo, DomainSums, Group, ItemCounts, ItemCountTable, ItemInfo
from ..disclosure.audit import Atom, Cell
from ..disclosure.measures import Measure, protect_measures
from ..disclosure.protect import Protection, protect
from ..disclosure.rules import FULL_STATISTICS_MIN, favourable_band
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
    # Published groups whose cell of a measure (("item", id) or ("domain", id)) was not shown;
    # None when not known (every published group's measure cell then counts as shown).
    hidden_measures: Mapping[tuple[str, int], frozenset[Group]] | None = None
    # What WaveSnapshot.answered_by_profile said when it was built (ReleaseAtom.answered; None
    # for a release built without the audit of measures): then each atom's answered counts are
    # exact (differences between releases) instead of pooled.
    answered: Mapping[tuple, Mapping[tuple[str, int], int]] | None = None


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
    # (published group, ("item" or "domain", id)) -> "complementary": measure cells hidden so that
    # no few people's answers to one measure can be worked out (surveys.disclosure.measures).
    measures_hidden: dict[tuple[Group, tuple[str, int]], str] = field(default_factory=dict)
    measure_audit_seconds: float = 0.0


def protect_groups(
    *, k: int, questions: Sequence[str], profiles: Mapping[tuple, int], groups: Sequence[Group],
    clusters: Sequence[Sequence[int]], earlier: Sequence[EarlierRelease] = (),
    answered: Mapping[tuple, Mapping[tuple[str, int], int]] | None = None,
) -> GroupProtection:
    """Decide which of this release's `groups` are published (see the module docstring), and,
    given `answered` (WaveSnapshot.answered_by_profile: per profile, the measures not all of its
    respondents answered), which of their item and domain cells must be hidden as well."""
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
    hidden, measure_seconds = {}, 0.0
    if answered:
        measures = _measures(atoms, answered, earlier, per_release)
        result = protect_measures(atoms, cells, k, published=protection.published, measures=measures,
                                  processes=settings.DISCLOSURE_AUDIT_PROCESSES or None)
        hidden = {
            (key[1], measure): "complementary"
            for measure, keys in result.complementary.items() for key in keys
        }
        measure_seconds = result.audit_seconds
    return GroupProtection(
        {g: protection.status((NEW, g)) for g in groups if (NEW, g) in members},
        protection.audit_seconds,
        hidden,
        measure_seconds,
    )


def _measures(atoms: Sequence[Atom], answered, earlier: Sequence[EarlierRelease], per_release) -> list[Measure]:
    """Each measure's answered counts per atom. A profile counted by several releases has one
    atom per release: its counts are the differences between what each release's snapshot
    answered when every earlier release kept it (`EarlierRelease.answered`); otherwise only the
    total is known now, and its atoms are pooled (surveys.disclosure.measures)."""
    of_profile: dict[tuple, list] = defaultdict(list)
    size = {}
    for atom in atoms:
        of_profile[atom.id[0]].append(atom.id)
        size[atom.id] = atom.size
    exact: dict[tuple, dict] = defaultdict(dict)
    pooled: dict[tuple, list] = defaultdict(list)
    kept = all(e.answered is not None for e in earlier)
    by_release = [e.answered for e in earlier] + [answered] if kept else []
    profiles = set(answered) | {p for counts in by_release for p in counts}
    for profile in profiles:
        ids = of_profile.get(profile, [])
        if not ids:
            continue
        measures_here = {m for counts in by_release for m in counts.get(profile, {})} | set(answered.get(profile, {}))
        for measure in measures_here:
            if kept and len(ids) > 1:
                cumulative = [
                    counts.get(profile, {}).get(measure, respondents.get(profile, 0))
                    for counts, respondents in zip(by_release, per_release, strict=True)
                ]
                for profile_and_first in ids:
                    first = profile_and_first[1]
                    count = cumulative[first] - (cumulative[first - 1] if first else 0)
                    if not 0 <= count <= size[profile_and_first]:
                        raise InconsistentReleases(f"profile {profile!r}: {measure} answered {cumulative} by release")
                    exact[measure][profile_and_first] = count
                continue
            total = answered.get(profile, {}).get(measure, per_release[-1].get(profile, 0))
            if len(ids) == 1 or total == 0:
                exact[measure].update(dict.fromkeys(ids, total))
            else:
                pooled[measure].append((frozenset(ids), total))
    measures = []
    for measure in sorted(set(exact) | set(pooled)):
        shown = None
        if earlier:
            shown = {
                (e.release_id, g) for e in earlier for g in e.groups
                if e.hidden_measures is None or g not in e.hidden_measures.get(measure, ())
            }
        measures.append(Measure(measure, answered=exact[measure], pooled=pooled[measure], shown_fixed=shown))
    return measures


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


STATISTICS = (
    "respondents", "n", "distribution", "mean", "sd", "pct_favourable", "pct_neutral", "pct_unfavourable",
    "favourable_share", "ci_low", "ci_high", "favourable_band_low", "favourable_band_high", "change",
    "change_significant", "mean_change", "mean_change_significant", "difference", "difference_significant",
    "mean_difference", "mean_difference_significant",
)
EMPTY_STATISTICS = dict.fromkeys(STATISTICS)
# The columns of a CellTable, in ResultCell's order from the key on (the group's own columns
# come from `groups`).
TABLE_COLUMNS = ("key", "item_id", "domain_id", "disclosure", "suppression", *STATISTICS)


def _row(group: Group, key: str, *, item=None, domain=None, disclosure: str, suppression: str = "", **values) -> dict:
    return {
        "group": group, "key": key, "item_id": item, "domain_id": domain,
        "disclosure": disclosure, "suppression": suppression, **EMPTY_STATISTICS, **values,
    }


@dataclass
class CellTable:
    """The cells of a release as columns: `groups[row_group[i]]` is the group of row i,
    `cluster_index[g]` the cluster a group's rows are written with (its own, or the one a small
    school's placeholder names), and `columns[name][i]` the value of TABLE_COLUMNS `name`
    (None for an empty one). Rows are in the order of CellBuilder.rows."""

    groups: list[Group]
    cluster_index: list[int | None]
    row_group: np.ndarray
    columns: dict[str, list]

    def __len__(self) -> int:
        return len(self.row_group)

    def rows(self) -> list[dict]:
        """The same cells as dicts (as CellBuilder.rows used to return them)."""
        names = list(self.columns)
        found = []
        for i, values in enumerate(zip(*(self.columns[n] for n in names), strict=True)):
            row = dict(zip(names, values, strict=True))
            row["group"] = self.groups[self.row_group[i]]
            found.append(row)
        return found


_FULL, _BANDED, _SUPPRESSED = 2, 1, 0
_DISCLOSURE = np.array([Disclosure.SUPPRESSED.value, Disclosure.BANDED.value, Disclosure.FULL.value], dtype=object)


class CellBuilder:
    """The result cells of one release, computed column by column over every group at once.

    Every group has the same cells: its count, then one per item and one per domain in the
    instrument's order, so the cells of the release are a grid of groups x measures and each
    statistic is one numpy operation over the grid. The arithmetic is the one-cell functions'
    (surveys.statistics), operation for operation, so the numbers are the same."""

    def __init__(self, inputs: ReleaseInputs, *, cluster_schools: Sequence[Sequence[int]] = ()):
        self.inputs = inputs
        self.cluster_schools = cluster_schools
        self.items = list(inputs.items)
        self.domains = list(inputs.domains)
        self.organisation = Group(View.ORGANISATION)
        item_position = {item.id: j for j, item in enumerate(self.items)}
        self.domain_items = [
            [item_position[item.id] for item in self.items if item.domain_id == domain.id] for domain in self.domains
        ]
        self.measures = ["count", *(f"item:{i.code}" for i in self.items), *(f"domain:{d.code}" for d in self.domains)]

    def key(self, group: Group, measure: str) -> str:
        schools = self.cluster_schools[group.cluster] if group.cluster is not None else ()
        return cell_key(group, measure, cluster_schools=schools)

    # -- inputs as arrays -----------------------------------------------------------------------
    def _item_counts(self, position: Mapping[Group, int]) -> np.ndarray:
        """(groups, items, 5) counts of the values 1..5; zero where a group has no answer."""
        item_position = {item.id: j for j, item in enumerate(self.items)}
        found = np.zeros((len(position), len(self.items), 5), dtype=np.int64)
        table = self.inputs.item_counts
        if isinstance(table, ItemCountTable):
            group_at = np.array([position.get(g, -1) for g in table.groups], dtype=np.int64)[table.group]
            item_at = np.array([item_position.get(i, -1) for i in table.item_id.tolist()], dtype=np.int64)
            keep = (group_at >= 0) & (item_at >= 0)
            found[group_at[keep], item_at[keep]] = table.counts[keep]
            return found
        where_g, where_j, values = [], [], []
        for (group, item_id), counts in self.inputs.item_counts.items():
            g, j = position.get(group), item_position.get(item_id)
            if g is not None and j is not None:
                where_g.append(g)
                where_j.append(j)
                values.append(counts.counts)
        if values:
            found[where_g, where_j] = np.array(values, dtype=np.int64)
        return found

    def _domain_sums(self, position: Mapping[Group, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        shape = (len(position), len(self.domains))
        n, total, squares = np.zeros(shape, dtype=np.int64), np.zeros(shape), np.zeros(shape)
        domain_position = {domain.id: e for e, domain in enumerate(self.domains)}
        for (group, domain_id), sums in self.inputs.domain_sums.items():
            g, e = position.get(group), domain_position.get(domain_id)
            if g is not None and e is not None:
                n[g, e], total[g, e], squares[g, e] = sums.n, sums.total, sums.squares
        return n, total, squares

    # -- the whole release ----------------------------------------------------------------------
    def table(self, statuses: Mapping[Group, str], *, placeholders: Sequence[dict] = (),
              measures_hidden: Mapping[tuple[Group, tuple[str, int]], str] | None = None) -> CellTable:
        """Every cell: published groups first (the organisation's before the others, so that
        differences can refer to it), suppressed groups, then `placeholders`; a group's count
        cell, then its items, then its domains (module docstring, step 3). `measures_hidden`
        (GroupProtection.measures_hidden) names item and domain cells of published groups that
        are suppressed to protect others."""
        k = self.inputs.k
        groups = sorted(statuses, key=lambda g: (not g.is_organisation, repr(g)))
        position = {group: g for g, group in enumerate(groups)}
        n_groups, n_items, n_domains = len(groups), len(self.items), len(self.domains)
        width = 1 + n_items + n_domains
        size = n_groups * width
        published = np.array([statuses[g] == "published" for g in groups], dtype=bool)
        reasons = np.array([
            "" if statuses[g] == "published"
            else Suppression.PRIMARY.value if statuses[g] == "primary" else Suppression.COMPLEMENTARY.value
            for g in groups
        ], dtype=object)
        respondents = np.array([self.inputs.respondents.get(g, 0) for g in groups], dtype=np.int64)
        o = position.get(self.organisation)
        organisation_shown = o is not None and bool(published[o])
        not_organisation = np.ones(n_groups, dtype=bool)
        if o is not None:
            not_organisation[o] = False

        # Column arrays over the grid, reshaped (groups, measures) while they are filled.
        columns: dict[str, np.ndarray] = {name: np.full(size, None, dtype=object) for name in STATISTICS}
        grid = {name: column.reshape(n_groups, width) for name, column in columns.items()}
        disclosure = np.full((n_groups, width), _SUPPRESSED, dtype=np.int8)
        suppression = np.repeat(reasons[:, None], width, axis=1)
        items = slice(1, 1 + n_items)
        domains = slice(1 + n_items, width)

        item_hidden = np.zeros((n_groups, n_items), dtype=bool)
        domain_hidden = np.zeros((n_groups, n_domains), dtype=bool)
        if measures_hidden:
            item_column = {item.id: j for j, item in enumerate(self.items)}
            domain_column = {domain.id: e for e, domain in enumerate(self.domains)}
            for (group, (kind, measure_id)), _status in measures_hidden.items():
                g = position.get(group)
                if g is None:
                    continue
                if kind == "item" and measure_id in item_column:
                    item_hidden[g, item_column[measure_id]] = True
                elif kind == "domain" and measure_id in domain_column:
                    domain_hidden[g, domain_column[measure_id]] = True

        # Count cells.
        disclosure[published, 0] = _FULL
        shown_respondents = respondents[published].tolist()
        grid["respondents"][published, 0] = shown_respondents
        grid["n"][published, 0] = shown_respondents

        # Item cells.
        counts = self._item_counts(position)
        stats = st.count_arrays(counts.reshape(-1, 5))
        n = stats.n.reshape(n_groups, n_items)
        shown_group = published[:, None]
        item_full = shown_group & (n >= k) & (n >= FULL_STATISTICS_MIN) & ~item_hidden
        item_banded = shown_group & (n >= k) & (n < FULL_STATISTICS_MIN) & ~item_hidden
        item_shown = item_full | item_banded
        item_disclosure = disclosure[:, items]
        item_disclosure[item_full] = _FULL
        item_disclosure[item_banded] = _BANDED
        suppression[:, items][shown_group.repeat(n_items, axis=1) & ~item_shown] = Suppression.PRIMARY.value
        suppression[:, items][shown_group & (n >= k) & item_hidden] = Suppression.COMPLEMENTARY.value
        suppression[:, items][item_shown] = ""
        item_respondents = np.broadcast_to(respondents[:, None], n.shape)
        grid["respondents"][:, items][item_shown] = item_respondents[item_shown].tolist()
        grid["n"][:, items][item_shown] = n[item_shown].tolist()
        band_low, band_high = self._bands(counts[item_banded][:, 3] + counts[item_banded][:, 4], n[item_banded])
        grid["favourable_band_low"][:, items][item_banded] = band_low
        grid["favourable_band_high"][:, items][item_banded] = band_high
        full = item_full.ravel()
        full_counts = counts.reshape(-1, 5)[full].tolist()
        grid["distribution"][:, items][item_full] = [
            {"1": a, "2": b, "3": c, "4": d, "5": e} for a, b, c, d, e in full_counts
        ]
        favourable = stats.favourable.reshape(n_groups, n_items)
        neutral = stats.neutral.reshape(n_groups, n_items)
        unfavourable = stats.unfavourable.reshape(n_groups, n_items)
        self._fill_full(grid, items, item_full, favourable[item_full], neutral[item_full], unfavourable[item_full],
                        stats.mean[full], stats.sd[full], stats.ci_low[full], stats.ci_high[full])

        # The rest of the organisation beside each (group, item): the organisation's counts
        # minus the group's.
        tests = _Tests(n_groups)
        item_mean = stats.mean.reshape(n_groups, n_items)
        item_sd = stats.sd.reshape(n_groups, n_items)
        if o is not None:
            rest = st.count_arrays((counts[o][None, :, :] - counts).reshape(-1, 5))
            rest_n = rest.n.reshape(n_groups, n_items)
            rest_favourable = rest.favourable.reshape(n_groups, n_items)
            organisation_item_full = item_full[o] if organisation_shown else np.zeros(n_items, dtype=bool)
            difference = item_full & not_organisation[:, None] & organisation_item_full[None, :] & (rest_n >= k)
            g, j = np.nonzero(difference)
            tests.add(g, 0, 1 + j, "difference", favourable[g, j], n[g, j], rest_favourable[g, j], rest_n[g, j],
                      item_mean[g, j], item_sd[g, j], rest.mean.reshape(n_groups, n_items)[g, j],
                      rest.sd.reshape(n_groups, n_items)[g, j])
        else:
            rest_n = np.zeros((n_groups, n_items), dtype=np.int64)
            rest_favourable = np.zeros((n_groups, n_items))

        # Domain cells.
        sums_n, sums_total, sums_squares = self._domain_sums(position)
        domain_full = np.zeros((n_groups, n_domains), dtype=bool)
        domain_banded = np.zeros((n_groups, n_domains), dtype=bool)
        shares = np.zeros((n_groups, n_domains, 3))
        band_shares = np.zeros((n_groups, n_domains))
        rest_shares = np.zeros((n_groups, n_domains))
        rest_items = np.zeros((n_groups, n_domains), dtype=np.int64)
        for e, positions in enumerate(self.domain_items):
            # Sums in the items' order, as statistics.mean_shares adds them up.
            full_count = np.zeros(n_groups, dtype=np.int64)
            shown_count = np.zeros(n_groups, dtype=np.int64)
            full_sums = [np.zeros(n_groups) for _ in range(3)]
            shown_sum = np.zeros(n_groups)
            rest_sum = np.zeros(n_groups)
            for j in positions:
                is_full, is_shown = item_full[:, j], item_shown[:, j]
                full_count += is_full
                shown_count += is_shown
                for total, values in zip(full_sums, (favourable, neutral, unfavourable), strict=True):
                    total += np.where(is_full, values[:, j], 0.0)
                shown_sum += np.where(is_shown, favourable[:, j], 0.0)
                has_rest = is_full & (rest_n[:, j] > 0)
                rest_sum += np.where(has_rest, rest_favourable[:, j], 0.0)
                rest_items[:, e] += has_rest
            with np.errstate(divide="ignore", invalid="ignore"):
                for s, total in enumerate(full_sums):
                    shares[:, e, s] = total / full_count
                band_shares[:, e] = shown_sum / shown_count
                rest_shares[:, e] = rest_sum / rest_items[:, e]
            kept = published & (sums_n[:, e] >= k) & (shown_count > 0) & ~domain_hidden[:, e]
            banded = kept & ((sums_n[:, e] < FULL_STATISTICS_MIN) | (full_count == 0))
            domain_banded[:, e] = banded
            domain_full[:, e] = kept & ~banded
        domain_disclosure = disclosure[:, domains]
        domain_disclosure[domain_full] = _FULL
        domain_disclosure[domain_banded] = _BANDED
        domain_shown = domain_full | domain_banded
        suppression[:, domains][published[:, None].repeat(n_domains, axis=1) & ~domain_shown] = (
            Suppression.PRIMARY.value
        )
        suppression[:, domains][published[:, None] & (sums_n >= k) & domain_hidden] = Suppression.COMPLEMENTARY.value
        suppression[:, domains][domain_shown] = ""
        grid["respondents"][:, domains][domain_shown] = (
            np.broadcast_to(respondents[:, None], sums_n.shape)[domain_shown].tolist()
        )
        grid["n"][:, domains][domain_shown] = sums_n[domain_shown].tolist()
        # A domain's favourability is a mean of its items' shares, banded as that share of its
        # people; when its items are banded but it has 10 people or more, as of 9.
        band_n = np.minimum(sums_n[domain_banded], FULL_STATISTICS_MIN - 1)
        band_favourable = [round(share * m) for share, m in zip(
            band_shares[domain_banded].tolist(), band_n.tolist(), strict=True)]
        band_low, band_high = self._bands(band_favourable, band_n)
        grid["favourable_band_low"][:, domains][domain_banded] = band_low
        grid["favourable_band_high"][:, domains][domain_banded] = band_high
        domain_mean, domain_sd = np.full(sums_n.shape, np.nan), np.full(sums_n.shape, np.nan)
        if domain_full.any():
            domain_mean[domain_full], domain_sd[domain_full] = st.means_and_sds(
                sums_n[domain_full], sums_total[domain_full], sums_squares[domain_full])
        full_shares = shares[domain_full]
        ci_low, ci_high = st.wilson_intervals(full_shares[:, 0], sums_n[domain_full])
        self._fill_full(grid, domains, domain_full, full_shares[:, 0], full_shares[:, 1], full_shares[:, 2],
                        domain_mean[domain_full], domain_sd[domain_full], ci_low, ci_high)
        if o is not None:
            organisation_domain_full = domain_full[o] if organisation_shown else np.zeros(n_domains, dtype=bool)
            left_n = sums_n[o][None, :] - sums_n
            difference = (domain_full & not_organisation[:, None] & organisation_domain_full[None, :]
                          & (left_n >= k) & (rest_items > 0))
            g, e = np.nonzero(difference)
            if len(g):
                left_mean, left_sd = st.means_and_sds(
                    left_n[g, e], sums_total[o][e] - sums_total[g, e], sums_squares[o][e] - sums_squares[g, e])
                tests.add(g, 1, 1 + n_items + e, "difference", shares[g, e, 0], sums_n[g, e], rest_shares[g, e],
                          left_n[g, e], domain_mean[g, e], domain_sd[g, e], left_mean, left_sd)

        # Keys, and the change since the previous wave's cell of the same key.
        prefixes = [self.key(group, "") for group in groups]
        keys = [prefix + measure for prefix in prefixes for measure in self.measures]
        previous = self.inputs.previous
        if previous:
            cell_full = disclosure == _FULL
            cell_full[:, 0] = False
            flat_keys = np.array(keys, dtype=object)
            candidates = np.flatnonzero(cell_full.ravel())
            found = [(r, previous[key]) for r, key in zip(candidates.tolist(), flat_keys[candidates].tolist(),
                                                           strict=True) if key in previous]
            if found:
                where = np.array([r for r, _ in found], dtype=np.int64)
                g, m = where // width, where % width
                is_item = m <= n_items
                j = np.where(is_item, m - 1, 0)
                e = np.where(is_item, 0, m - 1 - n_items)
                share = np.where(is_item, favourable[g, j], shares[g, e, 0])
                cell_n = np.where(is_item, n[g, j], sums_n[g, e])
                mean = np.where(is_item, item_mean[g, j], domain_mean[g, e])
                sd = np.where(is_item, item_sd[g, j], domain_sd[g, e])
                cells = [cell for _, cell in found]
                tests.add(g, np.where(is_item, 0, 1), m, "change", share, cell_n,
                          np.array([c.favourable_share for c in cells], dtype=float),
                          np.array([c.n for c in cells], dtype=float), mean, sd,
                          np.array([c.mean for c in cells], dtype=float),
                          np.array([np.nan if c.sd is None else c.sd for c in cells], dtype=float))
        tests.run(grid)

        disclosure_column = _DISCLOSURE[disclosure.ravel()].tolist()
        measure_items = [None, *(i.id for i in self.items), *([None] * n_domains)]
        measure_domains = [None, *([None] * n_items), *(d.id for d in self.domains)]
        table = CellTable(
            groups=list(groups), cluster_index=[g.cluster for g in groups],
            row_group=np.repeat(np.arange(n_groups, dtype=np.int64), width),
            columns={
                "key": keys, "item_id": measure_items * n_groups, "domain_id": measure_domains * n_groups,
                "disclosure": disclosure_column, "suppression": suppression.ravel().tolist(),
                **{name: column.tolist() for name, column in columns.items()},
            },
        )
        _append_placeholders(table, placeholders)
        return table

    @staticmethod
    def _bands(favourable, n) -> tuple[list[int], list[int]]:
        bands = {}
        low, high = [], []
        for f, m in zip(np.asarray(favourable).tolist(), np.asarray(n).tolist(), strict=True):
            band = bands.get((f, m))
            if band is None:
                band = bands[(f, m)] = favourable_band(f, m)
            low.append(band.low)
            high.append(band.high)
        return low, high

    @staticmethod
    def _fill_full(grid, measures: slice, mask, favourable, neutral, unfavourable, mean, sd, ci_low, ci_high) -> None:
        """The statistics of the cells shown in full (mask over the grid's `measures`)."""
        percentages = st.largest_remainders(np.column_stack([favourable, neutral, unfavourable]))
        for name, values in (
            ("mean", st.rounded(mean, 3)), ("sd", st.rounded(sd, 3)),
            ("pct_favourable", percentages[:, 0].tolist()), ("pct_neutral", percentages[:, 1].tolist()),
            ("pct_unfavourable", percentages[:, 2].tolist()), ("favourable_share", np.asarray(favourable).tolist()),
            ("ci_low", st.rounded(100 * np.asarray(ci_low), 1)), ("ci_high", st.rounded(100 * np.asarray(ci_high), 1)),
        ):
            grid[name][:, measures][mask] = values


class _Tests:
    """The comparisons of a release, collected while its cells are made and tested together at
    the end (vectorised), then flagged within each family (Benjamini-Hochberg): a family is
    one group's items, or its domains, for one comparison and one statistic."""

    COMPARISONS = ("change", "difference")

    def __init__(self, groups: int):
        self.groups = groups
        self.parts: list[tuple] = []

    def add(self, group, kind, measure, comparison: str, share, n, share_2, n_2, mean, sd, mean_2, sd_2) -> None:
        """Tests of cells (group index, kind 0 = item / 1 = domain, measure column): the gap in %
        favourable and in the mean between the cell and another (the rest, or the last wave)."""
        group = np.asarray(group, dtype=np.int64)
        if not len(group):
            return
        kind = np.broadcast_to(np.asarray(kind, dtype=np.int64), group.shape)
        self.parts.append((group, kind, np.broadcast_to(np.asarray(measure, dtype=np.int64), group.shape),
                           self.COMPARISONS.index(comparison), share, n, share_2, n_2, mean, sd, mean_2, sd_2))

    def run(self, grid) -> None:
        for group, kind, measure, comparison, share, n, share_2, n_2, mean, sd, mean_2, sd_2 in self.parts:
            name = self.COMPARISONS[comparison]
            for statistic, gaps_and_p, column, digits, min_gap in (
                (0, st.proportion_gaps(share, n, share_2, n_2), name, 1, st.MIN_GAP_POINTS),
                (1, st.mean_gaps(mean, sd, n, mean_2, sd_2, n_2), f"mean_{name}", 3, st.MIN_GAP_MEAN),
            ):
                gaps, p = gaps_and_p
                family = ((group * 2 + kind) * 2 + comparison) * 2 + statistic
                self._flag(grid, column, group, measure, gaps, p, family, digits, min_gap)

    def _flag(self, grid, column, group, measure, gaps, p, family, digits, min_gap) -> None:
        grid[column][group, measure] = st.rounded(gaps, digits)
        tested = ~np.isnan(p)
        flags = np.zeros(len(p), dtype=bool)
        where = np.flatnonzero(tested)
        if len(where):
            # Benjamini-Hochberg within each family: sorted by family, then p; the q-value of a
            # rank is the smallest rank-scaled p at or after it within the family.
            order = where[np.lexsort((p[where], family[where]))]
            ordered = family[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            lengths = np.diff(np.r_[starts, len(order)])
            segment = np.repeat(np.arange(len(starts)), lengths)
            rank = np.arange(len(order)) - starts[segment] + 1
            scaled = p[order] * lengths[segment] / rank
            q = scaled.copy()
            for step in range(int(lengths.max()) - 1, 0, -1):
                # positions `step` into their family, where the family is longer than that
                here = starts[lengths > step] + step - 1
                q[here] = np.minimum(q[here], q[here + 1])
            flags[order] = np.minimum(q, 1.0) < st.SIGNIFICANCE
        large = np.abs(gaps) >= min_gap - 1e-9
        significant = np.full(len(p), None, dtype=object)
        significant[tested] = (flags & large)[tested].tolist()
        grid[f"{column}_significant"][group, measure] = significant


def _append_placeholders(table: CellTable, placeholders: Sequence[dict]) -> None:
    if not placeholders:
        return
    start = len(table.groups)
    for row in placeholders:
        group = row["group"]
        table.groups.append(group)
        table.cluster_index.append(group.cluster if group.cluster is not None else row.get("cluster_index"))
        for name in TABLE_COLUMNS:
            table.columns[name].append(row[name])
    table.row_group = np.concatenate([table.row_group, np.arange(start, len(table.groups), dtype=np.int64)])


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


def count_by_disclosure(cells: CellTable) -> Counter:
    """How many cells were published, banded, suppressed first-hand and suppressed to protect others."""
    counted = Counter()
    for disclosure, suppression in zip(cells.columns["disclosure"], cells.columns["suppression"], strict=True):
        if disclosure == Disclosure.FULL:
            counted["published"] += 1
        elif disclosure == Disclosure.BANDED:
            counted["banded"] += 1
        elif suppression == Suppression.PRIMARY:
            counted["primary"] += 1
        elif suppression == Suppression.COMPLEMENTARY:
            counted["complementary"] += 1
    return counted
