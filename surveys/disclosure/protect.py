"""Primary and complementary suppression of a release's cells, proven by the rank audit.

``protect`` repeats: audit the published cells (with the visible earlier releases' cells, which
are *fixed*), and for every leaking group suppress a cell that the group cannot be derived
without, until the audit finds nothing. Suppressing cells only shrinks the span, so it can never
create a new leak; each round breaks every leak that has an *essential* cell (one whose removal
alone makes the group underivable, ``CellSpan.dependence``), choosing a smallest set of cells that
hits all of them (greedy: the cell breaking most leaks, then the smallest). A leak with several
independent derivations has no essential cell: one cell it uses is suppressed and the next round
looks again (as in a table with margins, where a hidden cell needs a rectangle of four). A leak
whose every derivation uses only fixed cells cannot be repaired by this release and stops the
build (``DisclosureError``): publishing nothing of it is the only safe answer, and it means an
earlier release was not protected against the same k.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from .audit import Atom, Cell, Incidence, audit
from .linalg import one_blas_thread


class DisclosureError(Exception):
    """The cells cannot be made safe by suppressing cells of this release."""


@dataclass(frozen=True)
class Protection:
    """What to publish. ``published`` includes the fixed cells of earlier releases."""

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
    # Every round suppresses at least one cell, so this ends within len(cells) rounds.
    for round_number in range(1, len(cells) + 2):
        started = time.perf_counter()
        span = audit(incidence, published)
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
        chosen = _choose(span, leaks, cells, n_of)
        audit_seconds += time.perf_counter() - started
        order.extend(sorted(chosen))
        published = [i for i in published if i not in chosen]
    raise AssertionError("unreachable: every round suppresses a cell")  # pragma: no cover


def _choose(span, leaks, cells: Sequence[Cell], n_of: list[int]) -> set[int]:
    """Cell indices to suppress this round: a small set hitting every leak's essential cells,
    and for a leak without any, the smallest cell one of its derivations uses."""
    hitting: list[set[int]] = []
    fallback: list[list[int]] = []
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
        fallback.append(involved)

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
    for involved in fallback:
        if not chosen.intersection(involved):
            chosen.add(min(involved, key=cost))
    return chosen
