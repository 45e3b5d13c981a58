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
    Profile,
    as_fixed,
    atoms_from_profiles,
    failure_bound,
    find_leaks,
    primary_suppress,
    protect,
    standard_cells,
)

K = 5
RUNS = 3
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


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def run_case(name: str, atoms: list, cells: list) -> dict:
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
    cases = []
    atoms = generate(SKEWED, seed=1)
    cases.append(run_case("final release", atoms, standard_cells(atoms, releases=["final"])))
    atoms = generate(UNIFORM, seed=3)
    cases.append(
        run_case("final, uniform answers", atoms, standard_cells(atoms, releases=["final"]))
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
    worst = max(c["bound"] for c in cases)
    print(
        f"Chance that an audit misses a leak (both of its primes divide a maximal minor, "
        f"Hadamard bound): below {worst**2:.0e} (one prime alone: {worst:.0e})."
    )


if __name__ == "__main__":
    main()
