"""Primary and complementary suppression of a release's cells, proven by the rank audit.

``protect`` audits the publishable cells together with the visible earlier releases' cells (which
are *fixed*: already seen, they cannot be hidden), and repairs every leaking group it finds by
suppressing a cell the group cannot be derived without; then it audits again, until an audit
finds nothing. Suppressing cells only shrinks the span, so a repair never creates a leak.

A repair pass breaks every leak that has an *essential* cell (one whose removal alone makes the
group underivable, ``CellSpan.dependence``) with a small set of cells hitting all of them (greedy:
the cell in most leaks' essential sets, then the smallest, so as little as possible is lost). A
leak derivable in several independent ways has no essential cell, as in a table with margins
where one hidden cell needs a rectangle of four: the smallest cell one of its derivations uses is
suppressed, and the leak is checked again (one prime is enough for that check; the next full audit
proves the result). A leak whose every derivation uses fixed cells only cannot be repaired by this
release and stops the build (``DisclosureError``): it means an earlier release was not protected
against the same k, and publishing nothing more is the only safe answer.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from .audit import Atom, Cell, CellSpan, Incidence, audit
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


def protect(atoms: Sequence[Atom], cells: Sequence[Cell], k: int) -> Protection:
    """Suppress the cells of a release so that no group of 1..k-1 respondents can be worked out
    from what is published together with the fixed cells of earlier releases.

    Raises ``DisclosureError`` when a leak is derivable from fixed cells alone."""
    ids = [c.id for c in cells]
    if len(set(ids)) != len(ids):
        raise ValueError("cell ids must be unique")
    incidence = Incidence(atoms, cells, k)
    with one_blas_thread():
        return _protect(incidence, cells, k)


def _protect(incidence: Incidence, cells: Sequence[Cell], k: int) -> Protection:
    ids = [c.id for c in cells]
    n_of = [incidence.n(i) for i in range(len(cells))]
    published = [i for i, c in enumerate(cells) if c.fixed or n_of[i] >= k]
    primary = [i for i, c in enumerate(cells) if not (c.fixed or n_of[i] >= k)]
    order: list[int] = []
    audit_seconds = 0.0
    # One working prime for every audit of this call lets unchanged blocks reuse their echelon
    # forms; each full audit still confirms its rank with a fresh, independent prime.
    working_prime = random_prime()
    # Every pass suppresses at least one cell, so this ends.
    for round_number in itertools.count(1):
        started = time.perf_counter()
        span = audit(incidence, published, prime=working_prime)
        leaks = span.leaking_positions()
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
            chosen, unsure = _choose(span, leaks, cells, n_of)
            order.extend(sorted(chosen))
            published = [i for i in published if i not in chosen]
            if not unsure:
                break
            span = CellSpan(incidence, published, working_prime)
            leaks = [group for group in unsure if span.derivation(group) is not None]
        audit_seconds += time.perf_counter() - started
    raise AssertionError("unreachable")  # pragma: no cover


def _choose(span, leaks, cells: Sequence[Cell], n_of: list[int]) -> tuple[set[int], list]:
    """(cell indices to suppress, the leaks they may not break). A small set of cells hitting
    every leak's essential cells (greedy: the cell in most leaks' sets, then the smallest); a
    leak without any gets the smallest cell one of its derivations uses, and is checked again."""
    hitting: list[set[int]] = []
    fallback: list[tuple[tuple[int, ...], list[int]]] = []
    for group, (essential, involved) in zip(leaks, span.dependence(leaks), strict=True):
        essential = {i for i in essential if not cells[i].fixed}
        if essential:
            hitting.append(essential)
            continue
        involved = [i for i in involved if not cells[i].fixed]
        if not involved:
            atoms = sorted(repr(span.atoms[i].id) for i in group)
            raise DisclosureError(
                "a group of fewer than k respondents is derivable from earlier releases alone: "
                + ", ".join(atoms)
            )
        fallback.append((group, involved))

    def cost(i: int) -> tuple:
        return (n_of[i], repr(cells[i].id))

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
