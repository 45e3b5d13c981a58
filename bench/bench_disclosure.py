"""Disclosure control at the size of a large trust: 20,000 respondents in 200 schools with three
demographic questions (4, 3 and 6 answer codes, prefer-not-to-say included), and every view a
release publishes: school, school x each question, organisation, organisation x each question,
organisation x each pair of questions.

Measured, as the median of 3 runs (each run draws its own primes):
* the audit (``find_leaks``) of the cells left after primary suppression, the state the release
  builder starts from;
* ``protect``: primary suppression, then audit and complementary suppression until the audit finds
  no group of 1..k-1 respondents (k = 5) that can be worked out;
* the audit of the protected release (it must find nothing).

Cases: one final release; the same with uniform answer shares (more distinct profiles, so more
atoms); and both again as a final release audited together with an interim release of 70 % of
the respondents, protected and published first (its cells are fixed: they cannot be hidden any
more, and the final minus the interim must not isolate the late respondents). No baseline: the
audit has no simpler equivalent to compare with; the targets (release < 10 s, audit < 3 s) are
absolute.

Item non-response (surveys.disclosure.measures): for the first two cases, 50 items answered as
the survey generator answers them (1.5 % of items skipped, 20 % by the 8 % who skip a lot, "not
applicable" 6 % on a third of the items), and, on the protected release, ``protect_measures``:
the items' cells hidden beyond the groups' suppressions (of the published groups' item cells)
and its time and CPU time (one run; on a shared machine CPU time is the figure to compare).
``--no-items`` leaves it out.

Needs no database. Run:  .venv/bin/python bench/bench_disclosure.py
It prints a table and writes nothing.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from surveys.disclosure import (  # noqa: E402
    Measure,
    Profile,
    as_fixed,
    atoms_from_profiles,
    failure_bound,
    find_leaks,
    primary_suppress,
    protect,
    protect_measures,
    standard_cells,
)

K = 5
RUNS = 3
ITEMS = 50
RESPONDENTS = 20_000
SCHOOLS = 200
# Answer shares per question; the last code is "prefer not to say".
SKEWED = ([0.72, 0.22, 0.02, 0.04], [0.55, 0.35, 0.10], [0.10, 0.22, 0.26, 0.24, 0.13, 0.05])
UNIFORM = ([1 / 4] * 4, [1 / 3] * 3, [1 / 6] * 6)


def generate(shares, *, seed: int, interim_share: float | None = None) -> list:
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.5, 1.5, SCHOOLS)
    school = rng.choice(SCHOOLS, size=RESPONDENTS, p=weights / weights.sum())
    codes = [rng.choice(len(p), size=RESPONDENTS, p=p) for p in shares]
    early = rng.random(RESPONDENTS) < (interim_share if interim_share is not None else 0.0)
    both, final = frozenset({"interim", "final"}), frozenset({"final"})
    profiles = [
        Profile(int(s), (int(a), int(b), int(c)), both if e else final)
        for s, a, b, c, e in zip(school, *codes, early, strict=True)
    ]
    return atoms_from_profiles(profiles)


def answered_counts(atoms: list, *, seed: int) -> list[Measure]:
    """Per item, the atoms where not everyone answered, with how many did (module docstring)."""
    rng = np.random.default_rng(seed)
    sizes = np.array([a.size for a in atoms])
    owner = np.repeat(np.arange(len(atoms)), sizes)
    heavy = rng.random(len(owner)) < 0.08
    skip = np.where(heavy, 0.2, 0.015)
    measures = []
    for item in range(ITEMS):
        missing = rng.random(len(owner)) < skip
        if item % 3 == 0:
            missing |= rng.random(len(owner)) < 0.06
        answered = sizes - np.bincount(owner[missing], minlength=len(atoms))
        short = np.flatnonzero(answered < sizes)
        measures.append(
            Measure(("item", item), answered={atoms[i].id: int(answered[i]) for i in short})
        )
    return measures


def measure_case(atoms: list, cells: list, protection, measures: list) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    result = protect_measures(atoms, cells, K, published=protection.published, measures=measures)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    sizes = {a.id: a.size for a in atoms}
    shown = 0
    for measure in measures:
        for c in cells:
            if not c.fixed and c.id in protection.published:
                n = sum(measure.answered.get(a, sizes[a]) for a in c.atoms)
                shown += n >= K
    return {
        "shown": shown,
        "hidden": result.suppressed_count,
        "audits": result.audits,
        "seconds": seconds,
        "cpu": cpu,
        "measures": len(measures),
    }


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def run_case(name: str, atoms: list, cells: list, measures: list | None = None) -> dict:
    published, _ = primary_suppress(cells, atoms, K)
    audit_times, protect_times, verify_times = [], [], []
    for _ in range(RUNS):
        seconds, leaks = timed(find_leaks, atoms, published, K)
        audit_times.append(seconds)
        seconds, protection = timed(protect, atoms, cells, K)
        protect_times.append(seconds)
        safe = [c for c in cells if c.id in protection.published]
        seconds, remaining = timed(find_leaks, atoms, safe, K)
        verify_times.append(seconds)
        if remaining:
            raise SystemExit(f"{name}: {len(remaining)} leaks left after protect")
    return {
        "case": name,
        "atoms": len(atoms),
        "cells": len(cells),
        "fixed": sum(c.fixed for c in cells),
        "leaks": len(leaks),
        "primary": len(protection.primary),
        "complementary": protection.complementary_count,
        "rounds": protection.rounds,
        "audit": audit_times,
        "protect": protect_times,
        "verify": verify_times,
        "bound": failure_bound(cells),
        "items": measure_case(atoms, cells, protection, measures) if measures else None,
    }


def interim_then_final(shares, seed: int) -> tuple[list, list]:
    atoms = generate(shares, seed=seed, interim_share=0.7)
    cells = standard_cells(atoms, releases=["interim", "final"])
    interim_cells = [c for c in cells if c.id[1] == "interim"]
    interim_atoms = [a for a in atoms if "interim" in a.id.releases]
    shown = protect(interim_atoms, interim_cells, K).published
    visible = as_fixed(interim_cells, shown)
    return atoms, visible + [c for c in cells if c.id[1] == "final"]


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}"


def main() -> None:
    items = "--no-items" not in sys.argv
    cases = []
    atoms = generate(SKEWED, seed=1)
    measures = answered_counts(atoms, seed=11) if items else None
    cases.append(
        run_case("final release", atoms, standard_cells(atoms, releases=["final"]), measures)
    )
    atoms = generate(UNIFORM, seed=3)
    measures = answered_counts(atoms, seed=13) if items else None
    cases.append(
        run_case(
            "final, uniform answers", atoms, standard_cells(atoms, releases=["final"]), measures
        )
    )
    cases.append(run_case("final after interim", *interim_then_final(SKEWED, seed=2)))
    cases.append(
        run_case("final after interim, uniform answers", *interim_then_final(UNIFORM, seed=4))
    )

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    memory = next(
        (
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "?",
    )
    print(
        f"Disclosure control benchmark — {datetime.date.today().isoformat()}, commit {commit or '?'}"
    )
    print(
        f"{os.cpu_count()} cores, {int(memory) // 1024**2 if memory.isdigit() else '?'} GB, "
        f"Python {platform.python_version()}, numpy {np.__version__}; k = {K}; "
        f"{RESPONDENTS:,} respondents, {SCHOOLS} schools; median of {RUNS} runs"
    )
    print("Command: .venv/bin/python bench/bench_disclosure.py")
    print()
    print(
        "| case | atoms | cells (fixed) | leaks before | primary | complementary | rounds "
        "| audit (s) | protect (s) | audit of result (s) | target |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for c in cases:
        audit, whole = statistics.median(c["audit"]), statistics.median(c["protect"])
        met = "✓" if audit < 3 and whole < 10 else "✗"
        print(
            f"| {c['case']} | {c['atoms']:,} | {c['cells']:,} ({c['fixed']:,}) | {c['leaks']} "
            f"| {c['primary']} | {c['complementary']} | {c['rounds']} "
            f"| {audit:.2f} ({spread(c['audit'])}) | {whole:.2f} ({spread(c['protect'])}) "
            f"| {statistics.median(c['verify']):.2f} | audit < 3 s, protect < 10 s {met} |"
        )
    print()
    with_items = [c for c in cases if c["items"]]
    if with_items:
        print(
            f"Item non-response ({ITEMS} items, protect_measures on the protected release, one run):"
        )
        print()
        print(
            "| case | item cells shown before | hidden to protect answers | audits | time (s) "
            "| CPU (s) | CPU per item (ms) |"
        )
        print("|---|---|---|---|---|---|---|")
        for c in with_items:
            m = c["items"]
            print(
                f"| {c['case']} | {m['shown']:,} | {m['hidden']:,} | {m['audits']} "
                f"| {m['seconds']:.2f} | {m['cpu']:.2f} | {1000 * m['cpu'] / m['measures']:.0f} |"
            )
        print()
    worst = max(c["bound"] for c in cases)
    print(
        f"Chance that an audit misses a leak (both of its primes divide a maximal minor, "
        f"Hadamard bound): below {worst**2:.0e} (one prime alone: {worst:.0e})."
    )


if __name__ == "__main__":
    main()
