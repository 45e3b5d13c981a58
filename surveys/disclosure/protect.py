"""Primary and complementary suppression of a release's cells, proven by the rank audit.

``protect`` audits the publishable cells together with the visible earlier releases' cells (which
are *fixed*: already seen, they cannot be hidden), and repairs every leaking group it finds by
suppressing a cell the group cannot be derived without; then it audits again, until an audit
finds nothing. Suppressing cells only shrinks the span, so a repair never creates a leak.

A repair pass breaks every leak that has an *essential* cell (one whose removal alone makes the
group underivable, ``CellSpan.dependence``) with a small set of cells hitting all of them (greedy:
the cell in most leaks' essential sets, then the cheapest, below, so as little as possible is
lost). A
leak derivable in several independent ways has no essential cell, as in a table with margins
where one hidden cell needs a rectangle of four: the cheapest cell one of its derivations uses is
suppressed, and the leak is checked again (one prime is enough for that check; the next full audit
proves the result). A leak whose every derivation uses fixed cells only cannot be repaired by this
release and stops the build (``DisclosureError``): it means an earlier release was not protected
against the same k, and publishing nothing more is the only safe answer.

What a suppression costs. Not every cell is worth the same to a reader: the organisation's own
totals (view "organisation", no demographic group) are the most useful figures of a release, a
school's or a cluster's totals come next, and a demographic group's cell (school x group,
organisation x one or two groups) is worth least, the fewer respondents the less (``tier``). So:

* an organisation total is suppressed only when nothing else breaks a leak: a leak whose only
  essential cells are organisation totals is first repaired through the other cells one of its
  derivations uses (cheapest first, then checked again), and only a leak that every derivation
  takes from organisation totals alone loses one;
* the greedy hitting set still takes the cell that breaks the most leaks first (so that as few
  cells as possible are lost), and among those a group's cell before a total, then the cell with
  the fewest respondents;
* the fallback (a leak without essential cells) suppresses the cheapest cell by (tier, respondents).

Deterministic: the same atoms and cells, in any order, give the same suppressions. Cells and atoms
are put in a canonical order first (by their ids, with sets sorted, so that neither the order of
the input nor Python's per-process string hashing matters), every tie is broken by that order,
and the working prime is drawn from a generator seeded with a digest of the data. The audit that
finds nothing (the last) confirms its rank: a proof that it is the rational rank
(``CellSpan.rank_is_rational``), or else a fresh, independent prime, which can change the result
only in the (below 1e-5) case where the working prime was unlucky.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import random
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from .audit import Atom, Cell, CellSpan, Incidence, confirmed
from .linalg import one_blas_thread, random_prime


class DisclosureError(Exception):
    """The cells cannot be made safe by suppressing cells of this release."""


@dataclass(frozen=True)
class Protection:
    """What to publish. ``published`` includes the fixed cells of earlier releases; ``rounds``
    counts full audits, the last of which found nothing."""

    k: int
    published: frozenset
    primary: frozenset
    complementary: frozenset
    rounds: int
    audit_seconds: float
    order: tuple = field(default=(), repr=False)  # complementary suppressions, in the order chosen

    @property
    def complementary_count(self) -> int:
        return len(self.complementary)

    def status(self, cell_id: Hashable) -> str:
        if cell_id in self.primary:
            return "primary"
        if cell_id in self.complementary:
            return "complementary"
        if cell_id in self.published:
            return "published"
        raise KeyError(cell_id)


def primary_suppress(
    cells: Sequence[Cell], atoms: Sequence[Atom], k: int
) -> tuple[list[Cell], list[Cell]]:
    """(publishable, suppressed): a cell of fewer than k respondents shows no statistic. Fixed
    cells were published by an earlier release and stay visible whatever their size."""
    sizes = {a.id: a.size for a in atoms}
    kept, suppressed = [], []
    for cell in cells:
        n = sum(sizes[a] for a in cell.atoms)
        (kept if cell.fixed or n >= k else suppressed).append(cell)
    return kept, suppressed


# Tiers of ``suppression_tier``: the higher, the more a reader loses when the cell is hidden.
GROUP_TIER = 0  # school x group, organisation x one or two groups (and cells of unknown views)
TOTAL_TIER = 1  # a school's or a cluster's totals
ORGANISATION_TIER = 2  # the organisation's own totals: suppressed only when nothing else will do
_VIEW_TIER = {
    "organisation": ORGANISATION_TIER,
    "school": TOTAL_TIER,
    "cluster": TOTAL_TIER,
    "school_group": GROUP_TIER,
    "organisation_group": GROUP_TIER,
    "organisation_two_groups": GROUP_TIER,
}


def _view_of(value) -> str | None:
    view = getattr(value, "view", None)
    if isinstance(view, str) and view in _VIEW_TIER:
        return view
    if isinstance(value, str):
        return value if value in _VIEW_TIER else None
    return None


def suppression_tier(cell_id: Hashable) -> int:
    """How much a reader loses when the cell is suppressed, from its view: ``ORGANISATION_TIER``
    for the organisation's totals, ``TOTAL_TIER`` for a school's or cluster's, ``GROUP_TIER`` for
    a demographic group's (and for an id that names no view). The view is read from the id as
    ``views.standard_cells`` (``("school", release, school)``) and the release builder
    (``(release, Group)``, the group's ``view``) write it: the id itself, or its first element
    that names a view."""
    view = _view_of(cell_id)
    if view is None and isinstance(cell_id, tuple):
        view = next((v for v in map(_view_of, cell_id) if v is not None), None)
    return _VIEW_TIER.get(view, GROUP_TIER)


def canonical(value) -> str:
    """A text for ``value`` that is the same in every process: sets are sorted (their repr
    follows the per-process string hash), dataclasses and tuples are taken apart."""
    if type(value) in (str, int):
        return repr(value)
    if isinstance(value, set | frozenset):
        return "{" + ",".join(sorted(map(canonical, value))) + "}"
    if isinstance(value, tuple | list):
        return type(value).__name__ + "(" + ",".join(map(canonical, value)) + ")"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = (getattr(value, f.name) for f in dataclasses.fields(value))
        return type(value).__name__ + "(" + ",".join(map(canonical, fields)) + ")"
    return repr(value)


def protect(
    atoms: Sequence[Atom],
    cells: Sequence[Cell],
    k: int,
    *,
    tier: Callable[[Hashable], int] = suppression_tier,
    primes: tuple[int, int] | None = None,
    shared: dict | None = None,
) -> Protection:
    """Suppress the cells of a release so that no group of 1..k-1 respondents can be worked out
    from what is published together with the fixed cells of earlier releases, hiding the least
    valuable cells that do it (``tier`` of a cell id, see the module docstring).

    ``primes`` (working, check) and ``shared`` (a dict kept between calls) let many calls on
    similar instances share their per-block work (``surveys.disclosure.measures``); by default
    the working prime is drawn from the data and each confirmation uses a fresh random prime.

    Raises ``DisclosureError`` when a leak is derivable from fixed cells alone."""
    ids = [c.id for c in cells]
    if len(set(ids)) != len(ids):
        raise ValueError("cell ids must be unique")
    # A canonical order, so that neither the input order nor hashing changes what is chosen.
    cell_keys = {c.id: canonical(c.id) for c in cells}
    if len(set(cell_keys.values())) != len(cell_keys):
        raise ValueError("cell ids must be unique")
    cells = sorted(cells, key=lambda c: cell_keys[c.id])
    atom_keys = {a.id: (canonical(a.block), canonical(a.id)) for a in atoms}
    atoms = sorted(atoms, key=lambda a: atom_keys.get(a.id, ("", "")))
    incidence = Incidence(atoms, cells, k, shared=shared)
    with one_blas_thread():
        return _protect(incidence, cells, k, [cell_keys[c.id] for c in cells], tier, primes)


def protect_incidence(
    incidence: Incidence,
    cells: Sequence[Cell],
    k: int,
    keys: Sequence[str],
    tier: Callable[[Hashable], int],
    primes: tuple[int, int],
) -> Protection:
    """``protect`` of an incidence already built (``Incidence.from_positions``) from cells in
    canonical order, ``keys`` their canonical texts; call it under ``one_blas_thread``."""
    return _protect(incidence, cells, k, keys, tier, primes)


def _data_seed(incidence: Incidence, cells: Sequence[Cell], k: int) -> int:
    """A digest of the (canonically ordered) atoms and cells: the working prime's seed."""
    digest = hashlib.sha256(f"{k}|{len(incidence.atoms)}|".encode())
    digest.update(incidence.sizes.tobytes())
    digest.update(str(incidence.block_start).encode())
    for cell, positions in zip(cells, incidence.positions, strict=True):
        digest.update(b"F" if cell.fixed else b"C")
        digest.update(positions.tobytes())
    return int.from_bytes(digest.digest()[:8], "big")


def _protect(
    incidence: Incidence,
    cells: Sequence[Cell],
    k: int,
    keys: Sequence[str],
    tier: Callable[[Hashable], int],
    primes: tuple[int, int] | None = None,
) -> Protection:
    ids = [c.id for c in cells]
    n_of = incidence.cell_sizes()
    tiers = [tier(c.id) for c in cells]

    def cost(i: int) -> tuple:
        return (tiers[i], n_of[i], keys[i])

    published = [i for i, c in enumerate(cells) if c.fixed or n_of[i] >= k]
    primary = [i for i, c in enumerate(cells) if not (c.fixed or n_of[i] >= k)]
    order: list[int] = []
    audit_seconds = 0.0
    # One working prime for every audit of this call lets unchanged blocks reuse their echelon
    # forms; the audit that finds nothing confirms its rank with a second, independent prime. It is drawn
    # from the data, so that the same input gives the same derivations, hence the same choices.
    if primes is None:
        working_prime, check_prime = (
            random_prime(random.Random(_data_seed(incidence, cells, k))),
            None,
        )
    else:
        working_prime, check_prime = primes
    # Each audit after the first finds its N from the one before (fewer cells, a few blocks
    # changed: CellSpan._null_after).
    span: CellSpan | None = None
    # Every pass suppresses at least one cell, so this ends.
    for round_number in itertools.count(1):
        started = time.perf_counter()
        span = CellSpan(incidence, published, working_prime, previous=span)
        # With many audits of alike instances (``primes`` given: the measures), the first round
        # repairs the leaks inside one school first, which are most of them, without the search
        # of global directions; the next round, a full audit, finds any other.
        leaks = span.leaking_positions(local_only=primes is not None and round_number == 1)
        if not leaks and primes is not None and round_number == 1:
            leaks = span.leaking_positions()
        if not leaks:
            # Only an audit that finds nothing needs its rank confirmed with a second prime: in
            # a round that finds leaks, an unlucky working prime costs at most an extra
            # suppression, and the round that ends the loop is confirmed.
            checked = confirmed(span, check_prime=check_prime)
            if checked is not span:
                span, leaks = checked, checked.leaking_positions()
        if not leaks:
            audit_seconds += time.perf_counter() - started
            return Protection(
                k=k,
                published=frozenset(ids[i] for i in published),
                primary=frozenset(ids[i] for i in primary),
                complementary=frozenset(ids[i] for i in order),
                rounds=round_number,
                audit_seconds=audit_seconds,
                order=tuple(ids[i] for i in order),
            )
        # Repair these leaks, re-checking only them (one prime is enough here: the next full
        # audit, with its second prime, is the one that proves the result) until all are broken.
        while leaks:
            chosen, unsure = _choose(span, leaks, cells, n_of, tiers, cost)
            order.extend(sorted(chosen, key=cost))
            published = [i for i in published if i not in chosen]
            if not unsure:
                break
            span = CellSpan(incidence, published, working_prime, previous=span)
            leaks = [group for group in unsure if span.derivation(group) is not None]
        audit_seconds += time.perf_counter() - started
    raise AssertionError("unreachable")  # pragma: no cover


def _choose(
    span, leaks, cells: Sequence[Cell], n_of: list[int], tiers: list[int], cost
) -> tuple[set[int], list]:
    """(cell indices to suppress, the leaks they may not break).

    A leak with an essential cell below the organisation tier joins the hitting set over those
    cells (greedy: the cell in most leaks' sets, then the lowest tier, then the fewest
    respondents).
    A leak whose essential cells are all organisation totals, or that has none, gets the
    cheapest other cell one of its derivations uses and is checked again; only a leak with
    nothing but organisation totals to take from loses one (through the hitting set, so one
    total breaks as many of those leaks as it can)."""
    hitting: list[set[int]] = []
    fallback: list[tuple[tuple[int, ...], list[int]]] = []
    for group, (essential, involved) in zip(leaks, span.dependence(leaks), strict=True):
        essential = {i for i in essential if not cells[i].fixed}
        involved = [i for i in involved if not cells[i].fixed]
        cheap = {i for i in essential if tiers[i] < ORGANISATION_TIER}
        if cheap:
            hitting.append(cheap)
            continue
        others = [i for i in involved if tiers[i] < ORGANISATION_TIER]
        if others:
            fallback.append((group, others))
        elif essential:
            hitting.append(essential)
        elif involved:
            fallback.append((group, involved))
        else:
            atoms = sorted(canonical(span.atoms[i].id) for i in group)
            raise DisclosureError(
                "a group of fewer than k respondents is derivable from earlier releases alone: "
                + ", ".join(atoms)
            )

    chosen: set[int] = set()
    while hitting:
        counts: dict[int, int] = {}
        for candidates in hitting:
            for i in candidates:
                counts[i] = counts.get(i, 0) + 1
        best = min(counts, key=lambda i: (-counts[i], *cost(i)))
        chosen.add(best)
        hitting = [s for s in hitting if best not in s]
    for _, involved in fallback:
        if not chosen.intersection(involved):
            chosen.add(min(involved, key=cost))
    return chosen, [group for group, _ in fallback]
