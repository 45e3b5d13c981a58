"""The attacker's test (issue 4, "Done when"): everything a lead and a trustee can obtain, added
and subtracted, never isolates fewer than k respondents.

The attacker knows everything except answers: who works where, who answered each wave, who
answered before the interim release, and every demographic answer (so which respondents each
published group contains). They collect every result cell their role can download or read —
the CSV and Excel exports, the API's JSON pages and its CSV, and the dashboards' data tables —
for two waves and an interim release of the second wave, each at the moment it is published.

The model is DESIGN.md's and the audit's (surveys/disclosure/audit.py): a published cell is the
0/1 vector of its group over respondents; a group S of 1..k-1 respondents leaks when 1_S lies in
the span of the published vectors. Which vectors does the attacker hold?

* The count cell of a published group: its respondents, the vector 1_G.
* An item (or domain) cell of a group: n and, in full, the distribution. These are sums over G of
  a per-person value ("answered item i", "answered 5 to item i"), which is zero for a person who
  skipped: the vector is 1_G again, for that value. Whether someone skipped or said "not
  applicable" is part of their answer, unknown to the attacker (as in the audit's model). An
  item cell is published only inside a published group, so for each value the attacker holds a
  subset of the published groups' vectors, whose span lies in theirs: the groups' span is the
  one to audit (asserted below, then audited anyway, measure by measure).
* Waves: the two waves' respondents are different response rows (no link between them), so
  their cells live on disjoint coordinates and each wave is audited on its own rows. The interim
  release covers the first respondents of wave 2, the final release all of them.

The check is independent of the product's audit: exact elimination modulo two primes (and the
float rank agreeing), then every union of atoms of at most k-1 respondents is tested against the
null space (atoms: respondents no published cell tells apart; a vector of the span is constant on
them, so a leaking group is a union of atoms).
"""

from __future__ import annotations

import csv
import io
import itertools
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from surveys import services
from surveys.generator import GeneratedRespondent, generate_wave
from surveys.models import Item, Release, ResultCell
from surveys.services.releases import release_build
from surveys.tests.factories import core_instrument, invite, make_survey
from surveys.tests.test_exports import add_staff
from surveys.tests.waves import closed_wave, roster
from wellbeing.tenancy.context import organisation_scope

pytestmark = pytest.mark.django_db

K = 5
PRIMES = (2_147_483_647, 2_147_483_629)
DEMOGRAPHICS = ("job_category", "contract", "age_band")
ATTACKERS = ("organisation_lead", "school_lead", "trustee")
DISCLOSURE_BY_LABEL = {str(label): value for value, label in ResultCell.Disclosure.choices}

# People who answer wave 2 after its interim release: small differences final - interim, in
# one school, one school's group and across schools (the release must hide what they show).
LATE = [
    ("own", {"job_category": "teacher", "contract": "part_time", "age_band": "35_to_44"}),
    ("own", {"job_category": "teacher", "contract": "part_time", "age_band": "35_to_44"}),
    ("second", {"job_category": "leader", "contract": "full_time", "age_band": "45_to_54"}),
    ("North", {"job_category": "support", "contract": "full_time", "age_band": "25_to_34"}),
    ("North", {"job_category": "administration", "contract": "part_time", "age_band": "55_to_64"}),
    ("North", {"job_category": "teacher", "contract": "full_time"}),
    ("East", {"job_category": "teaching_assistant", "contract": "part_time", "age_band": "under_25"}),
    ("Tiny 2", {"job_category": "teacher", "contract": "full_time", "age_band": "25_to_34"}),
]


# --- exact linear algebra, written for this test (not the product's) ---------------------------
def rref_mod(matrix: np.ndarray, p: int) -> tuple[np.ndarray, list[int]]:
    """Reduced row echelon form mod p (entries reduced into [0, p)) and its pivot columns."""
    a = np.array(matrix, dtype=np.int64) % p
    rows, cols = a.shape
    pivots, r = [], 0
    for c in range(cols):
        if r == rows:
            break
        nonzero = np.flatnonzero(a[r:, c])
        if nonzero.size == 0:
            continue
        i = r + int(nonzero[0])
        a[[r, i]] = a[[i, r]]
        a[r] = a[r] * pow(int(a[r, c]), p - 2, p) % p
        others = np.flatnonzero(a[:, c])
        others = others[others != r]
        if others.size:
            a[others] = (a[others] - np.outer(a[others, c], a[r]) % p) % p
        pivots.append(c)
        r += 1
    return a[:r], pivots


def null_space_mod(matrix: np.ndarray, p: int) -> np.ndarray:
    """Rows spanning {x : matrix @ x = 0} mod p."""
    cols = matrix.shape[1]
    reduced, pivots = rref_mod(matrix, p) if matrix.shape[0] else (np.zeros((0, cols), np.int64), [])
    free = [c for c in range(cols) if c not in set(pivots)]
    basis = np.zeros((len(free), cols), dtype=np.int64)
    for row, f in enumerate(free):
        basis[row, f] = 1
        for i, c in enumerate(pivots):
            basis[row, c] = (-reduced[i, f]) % p
    return basis


@dataclass
class Audit:
    """The span of some 0/1 vectors over respondents, and every group of 1..k-1 of them that
    lies in it (up to `limit` groups)."""

    rank: int
    leaks: list[tuple[int, ...]]  # respondent indexes
    atoms: int


def find_small_groups_in_span(vectors: list[np.ndarray], size: int, *, k: int = K, limit: int = 50) -> Audit:
    if not vectors:
        return Audit(0, [], 0)
    cells = np.array(vectors, dtype=np.int64)
    # Atoms: respondents with the same column (no published cell tells them apart).
    columns: dict[bytes, list[int]] = defaultdict(list)
    for person in range(size):
        columns[cells[:, person].tobytes()].append(person)
    atoms = list(columns.values())
    a = np.array([cells[:, members[0]] for members in atoms], dtype=np.int64).T  # cells x atoms
    ranks = {rref_mod(a, p)[0].shape[0] for p in PRIMES} | {int(np.linalg.matrix_rank(a.astype(float)))}
    assert len(ranks) == 1, f"exact and float ranks disagree: {ranks}"
    rank = ranks.pop()
    p = PRIMES[0]
    null = null_space_mod(a, p)
    sizes = np.array([len(m) for m in atoms])
    small = [i for i in range(len(atoms)) if sizes[i] < k]
    # A group is in the span iff every null vector sums to zero over it; a random combination
    # of the null vectors ("fingerprint") finds the candidates, each then checked exactly.
    rng = np.random.default_rng(1)
    weights = rng.integers(0, p, size=null.shape[0], dtype=np.int64)
    fingerprint = np.zeros(len(atoms), dtype=np.int64)
    for w, row in zip(weights, null, strict=True):
        fingerprint = (fingerprint + w * row % p) % p

    def in_span(group) -> bool:
        return not (null[:, list(group)].sum(axis=1) % p).any()

    found: set[tuple[int, ...]] = set()
    singles = defaultdict(list)
    for i in small:
        singles[int(fingerprint[i])].append(i)
    pairs = defaultdict(list)
    for i, j in itertools.combinations(small, 2):
        if sizes[i] + sizes[j] < k:
            pairs[int((fingerprint[i] + fingerprint[j]) % p)].append((i, j))

    def consider(group):
        group = tuple(sorted(set(group)))
        if len(group) == len(set(group)) and sizes[list(group)].sum() < k and in_span(group):
            found.add(group)

    for i in singles.get(0, []):
        consider((i,))
    for i in small:
        for j in singles.get(int(-fingerprint[i] % p), []):
            if j > i:
                consider((i, j))
    for (i, j), total in ((pair, key) for key, members in pairs.items() for pair in members):
        for m in singles.get(int(-total % p), []):
            if m not in (i, j):
                consider((i, j, m))
        for m, n in pairs.get(int(-total % p), []):
            if not {m, n} & {i, j}:
                consider((i, j, m, n))
        if len(found) >= limit:
            break
    leaks = []
    for group in sorted(found, key=lambda g: (sizes[list(g)].sum(), g)):
        people = tuple(sorted(p_ for atom in group for p_ in atoms[atom]))
        indicator = np.zeros(size)
        indicator[list(people)] = 1
        # Confirmed with floats too: adding the group's vector does not raise the rank.
        assert np.linalg.matrix_rank(np.vstack([cells.astype(float), indicator])) == rank
        leaks.append(people)
    return Audit(rank, leaks[:limit], len(atoms))


# --- the world the attacker knows ---------------------------------------------------------------
@dataclass
class Wave:
    """One wave's respondents (ground truth, in a fixed order) and the releases built on them:
    release id -> how many of the first respondents that release counts."""

    survey_id: int
    respondents: list[GeneratedRespondent]
    releases: dict[int, int] = field(default_factory=dict)


@dataclass
class Obtained:
    """What one attacker obtained: (release id, key) -> what the cell shows (disclosure, n,
    respondents), with the channels it came through."""

    cells: dict[tuple[int, str], dict] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, channel: str, release_id: int, key: str, shown: dict) -> None:
        self.channels[channel] += 1
        known = self.cells.get((release_id, key))
        if known is not None:
            assert known == shown, f"{channel} shows {key} as {shown}, elsewhere {known}"
            return
        self.cells[(release_id, key)] = shown


def _number(text):
    if text in (None, ""):
        return None
    return int(float(text))


def collect_exports(client, org_slug: str, release_id: int, obtained: Obtained, *, xlsx: bool = True) -> None:
    kwargs = {"org": org_slug, "release_id": release_id}
    response = client.get(reverse("results_export:csv", kwargs=kwargs))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    for row in rows:
        obtained.add("export csv", release_id, row["Cell key"], {
            "disclosure": DISCLOSURE_BY_LABEL[row["Disclosure"]], "n": _number(row["n"]),
            "respondents": _number(row["Respondents"])})
    if not xlsx:
        return
    response = client.get(reverse("results_export:xlsx", kwargs=kwargs))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = list(next(values))
    column = {name: header.index(name) for name in ("Cell key", "Disclosure", "n", "Respondents")}
    for row in values:
        obtained.add("export xlsx", release_id, row[column["Cell key"]], {
            "disclosure": DISCLOSURE_BY_LABEL[row[column["Disclosure"]]], "n": row[column["n"]],
            "respondents": row[column["Respondents"]]})


def collect_api(client, org_slug: str, release_id: int, obtained: Obtained, *, again: bool = False) -> None:
    url = f"/o/{org_slug}/api/results/cells/?release={release_id}&page_size=10000"
    while url:
        body = client.get(url).json()
        for row in body["results"]:
            obtained.add("api json, later" if again else "api json", release_id, row["key"], {
                "disclosure": row["disclosure"], "n": row["n"], "respondents": row["respondents"]})
        url = body["next"]
    if again:
        return
    response = client.get(f"/o/{org_slug}/api/results/cells/?release={release_id}&format=csv")
    for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))):
        obtained.add("api csv", release_id, row["key"], {
            "disclosure": row["disclosure"], "n": _number(row["n"]), "respondents": _number(row["respondents"])})


# Dashboards: every table row that names its cell (data-cell="key") and shows a value, and each
# school row of the organisation page (data-place="school-<id>") that shows how many answered.
# Chart data tables name places and groups by label only: they show the same cells as the rows
# below (the dashboards read result cells through surveys.results), so they add no vector; a
# dashboard that showed a cell the exports do not would be caught by `dashboard_cells_are_known`.
CELL_ROW = re.compile(r'<tr[^>]*data-cell="([^"]+)"[^>]*>(.*?)</tr>', re.S)
PLACE_ROW = re.compile(r'<tr[^>]*data-place="school-(\d+)"[^>]*>(.*?)</tr>', re.S)


def collect_dashboards(client, org_slug: str, survey_id: int, release_id: int, school_ids, item_ids,
                       questions, dashboard: dict) -> None:
    """(release, key) -> "value"/"hidden" for every cell row seen on the dashboards."""
    pages = [reverse("results:organisation", kwargs={"org": org_slug, "survey_id": survey_id})]
    for school_id in school_ids:
        for question in questions:
            pages.append(reverse("results:school", kwargs={"org": org_slug, "survey_id": survey_id,
                                                           "school_id": school_id}) + f"?cut={question}")
    for item_id in item_ids:
        pages.append(reverse("results:item", kwargs={"org": org_slug, "survey_id": survey_id, "item_id": item_id}))
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        for key, row in CELL_ROW.findall(html):
            dashboard[(release_id, key)] = "value" if "data-value" in row else "hidden"
        for school_id, row in PLACE_ROW.findall(html):
            answered = re.findall(r'<td class="govuk-table__cell">(\d+)</td>', row)
            if answered:
                dashboard[(release_id, f"school/school:{school_id}/-/count")] = "value"


# --- from a key to the respondents it counts -------------------------------------------------------
def members(key: str, wave: Wave, release_id: int) -> np.ndarray:
    view, place, groups, _measure = key.split("/")
    counted = wave.releases[release_id]
    schools = None
    if place.startswith("school:"):
        schools = {int(place.split(":")[1])}
    elif place.startswith("cluster:"):
        schools = {int(s) for s in place.split(":")[1].split(".")}
    answers = [] if groups == "-" else [tuple(g.split("=")) for g in groups.split(",")]
    vector = np.zeros(len(wave.respondents), dtype=np.int64)
    for i, person in enumerate(wave.respondents[:counted]):
        if schools is not None and person.school_id not in schools:
            continue
        if all(person.demographics.get(q) == c for q, c in answers):
            vector[i] = 1
    return vector


def group_key(key: str) -> str:
    return key.rsplit("/", 1)[0] + "/count"


# --- the scenario ----------------------------------------------------------------------------------
def build_scenario(world, on_release=None) -> dict:
    """Two waves of a trust with many small groups (k=5): wave 1 with its final release; wave 2
    with an interim release, eight late answers, then its final release. `on_release(survey,
    release_id)` is called as each release is published (the attackers collect then)."""
    organisation = world.org("a")
    on_release = on_release or (lambda survey, release_id: None)
    waves: list[Wave] = []
    with organisation_scope(organisation):
        own, second = world.school("a"), world.school("a", 1)
        add_staff(own, 30, seed=1)
        add_staff(second, 24, seed=2)
        others = roster(sizes={"North": 44, "East": 21, "South": 17, "Tiny 1": 5, "Tiny 2": 6, "Tiny 3": 7,
                               "Tiny 4": 6, "Tiny 5": 7}, seed=11)
        schools = [own, second, *others]
        by_name = {"own": own, "second": second, **{s.name: s for s in others}}
        first, generated = closed_wave(organisation=organisation, schools=schools, seed=31, demographics=DEMOGRAPHICS,
                                       threshold=K, title="Staff survey 2025")
        release = release_build(survey=first, kind=Release.Kind.FINAL)
        waves.append(Wave(first.pk, list(generated.respondents), {release.pk: len(generated.respondents)}))
    on_release(first, release.pk)

    with organisation_scope(organisation):
        survey = make_survey(organisation=organisation, schools=schools, demographics=DEMOGRAPHICS, threshold=K,
                             previous_wave=first, open_it=True, title="Staff survey 2026")
        generated = generate_wave(survey=survey, seed=32)
        interim = release_build(survey=survey, kind=Release.Kind.INTERIM)
        second_wave = Wave(survey.pk, list(generated.respondents), {interim.pk: len(generated.respondents)})
        waves.append(second_wave)
    on_release(survey, interim.pk)

    rng = random.Random(5)
    with organisation_scope(organisation):
        items = list(Item.objects.filter(instrument_id=survey.instrument_id))
        for place, demographics in LATE:
            school = by_name[place]
            _invitation, token = invite(survey, school)
            answers = {item.code: rng.randint(1, 5) for item in items if rng.random() > 0.05}
            services.response_submit(token=token, answers=answers, demographics=demographics)
            second_wave.respondents.append(GeneratedRespondent(
                school.pk, demographics, {item.pk: answers[item.code] for item in items if item.code in answers}))
        survey = services.survey_close(survey=survey)
        final = release_build(survey=survey, kind=Release.Kind.FINAL)
        second_wave.releases[final.pk] = len(second_wave.respondents)
    on_release(survey, final.pk)
    return {"waves": waves, "organisation": organisation, "releases": [release, interim, final]}


@pytest.fixture
def attacked(world):
    """The scenario, with each attacker collecting through every channel at each release."""
    organisation = world.org("a")
    slug = organisation.slug
    from django.test import Client

    from conftest import login_with_mfa

    clients = {role: login_with_mfa(Client(), world.user("a", role)) for role in ATTACKERS}
    obtained = {role: Obtained() for role in ATTACKERS}
    dashboard = {role: {} for role in ATTACKERS}
    timings = {}

    def collect_all(survey, release_id):
        started = time.perf_counter()
        with organisation_scope(organisation):
            school_ids = sorted(s for s in services_school_ids(survey))
            items = list(Item.objects.filter(instrument_id=survey.instrument_id).order_by("order", "number"))
        # Item pages: one item per domain (the rest render the same rows for other items).
        sample = list({item.domain_id: item.pk for item in items}.values())
        for role, client in clients.items():
            # The new release through every channel; the earlier ones (still visible, never
            # changed) again through the API, which must still give them as they were.
            # Excel holds the CSV's rows (test_exports); the trustee's are the lead's, and
            # openpyxl is the slowest channel: the trustee downloads the CSV only.
            collect_exports(client, slug, release_id, obtained[role], xlsx=role != "trustee")
            collect_api(client, slug, release_id, obtained[role])
            for earlier in visible_releases(organisation):
                if earlier != release_id:
                    collect_api(client, slug, earlier, obtained[role], again=True)
            readable = school_ids if role != "school_lead" else [world.school("a").pk]
            collect_dashboards(client, slug, survey.pk, release_id, readable, sample, DEMOGRAPHICS,
                               dashboard[role])
        timings[release_id] = time.perf_counter() - started

    scenario = build_scenario(world, collect_all)
    return {**scenario, "obtained": obtained, "dashboard": dashboard, "timings": timings}


@pytest.fixture
def scenario(world):
    """The scenario alone; what an organisation lead holds is read from the cells themselves
    (every cell of every release: the channels' equality with them is the other test's)."""
    return lead_scenario(world)


@pytest.fixture
def scenario_without_item_audit(world, settings):
    """The same, built with the per-item audit turned off."""
    settings.DISCLOSURE_AUDIT_ITEM_NONRESPONSE = False
    return lead_scenario(world)


def lead_scenario(world):
    built = build_scenario(world)
    lead = Obtained()
    with organisation_scope(built["organisation"]):
        for release in built["releases"]:
            for key, disclosure, n, respondents in ResultCell.objects.filter(release=release).values_list(
                    "key", "disclosure", "n", "respondents"):
                lead.add("cells", release.pk, key, {"disclosure": disclosure, "n": n, "respondents": respondents})
    return {**built, "obtained": {"organisation_lead": lead}}


def services_school_ids(survey):
    from surveys.selectors import survey_school_ids

    return survey_school_ids(survey=survey)


def visible_releases(organisation) -> list[int]:
    with organisation_scope(organisation):
        return list(Release.objects.filter(status__in=["published", "superseded"]).values_list("pk", flat=True))


# --- the tests -------------------------------------------------------------------------------------
def _published_vectors(obtained: Obtained, waves: list[Wave], *, measure_filter=None):
    """Per wave: the vectors of the published cells obtained (count cells by default)."""
    per_wave = []
    for wave in waves:
        vectors, keys = [], []
        for (release_id, key), shown in sorted(obtained.cells.items()):
            if release_id not in wave.releases or shown["disclosure"] == ResultCell.Disclosure.SUPPRESSED:
                continue
            if (measure_filter or (lambda k: k.endswith("/count")))(key):
                vectors.append(members(key, wave, release_id))
                keys.append((release_id, key))
        per_wave.append((vectors, keys))
    return per_wave


def test_no_group_of_fewer_than_k_can_be_worked_out_from_everything_a_lead_or_trustee_obtains(attacked):
    waves, obtained = attacked["waves"], attacked["obtained"]
    item_codes = {}
    with organisation_scope(attacked["organisation"]):
        for item in Item.objects.filter(instrument=core_instrument()).select_related("domain"):
            item_codes[item.code] = item
    domain_items = defaultdict(list)
    for item in item_codes.values():
        domain_items[item.domain.code].append(item.pk)

    for role in ATTACKERS:
        mine = obtained[role]
        # Every channel gave every cell (the same numbers, checked as they were added).
        first_hand = {c: n for c, n in mine.channels.items() if not c.endswith("later")}
        assert set(first_hand.values()) == {len(mine.cells)}, (role, dict(mine.channels))
        # The dashboards show no cell beyond those, and no number for a suppressed cell.
        for cell, seen in attacked["dashboard"][role].items():
            assert cell in mine.cells, (role, cell)
            if seen == "value":
                assert mine.cells[cell]["disclosure"] != ResultCell.Disclosure.SUPPRESSED, (role, cell)
        # The mapping from keys to respondents is right: each cell's n is what the ground truth says.
        for (release_id, key), shown in mine.cells.items():
            if shown["disclosure"] == ResultCell.Disclosure.SUPPRESSED:
                continue
            wave = next(w for w in waves if release_id in w.releases)
            group = members(key, wave, release_id)
            assert shown["respondents"] == group.sum(), (role, key)
            measure = key.rsplit("/", 1)[1]
            people = [wave.respondents[i] for i in np.flatnonzero(group)]
            if measure.startswith("item:"):
                pk = item_codes[measure[5:]].pk
                assert shown["n"] == sum(1 for r in people if r.answers.get(pk) is not None), (role, key)
            elif measure.startswith("domain:"):
                ids = domain_items[measure[7:]]
                answered = [sum(1 for i in ids if r.answers.get(i) is not None) for r in people]
                assert shown["n"] == sum(1 for a in answered if 2 * a >= len(ids)), (role, key)
            # An item or domain is published only inside a published group.
            assert mine.cells[(release_id, group_key(key))]["disclosure"] != ResultCell.Disclosure.SUPPRESSED

        for wave, (vectors, keys) in zip(waves, _published_vectors(mine, waves), strict=True):
            audit = find_small_groups_in_span(vectors, len(wave.respondents))
            assert audit.leaks == [], (role, wave.survey_id, [
                [wave.respondents[i] for i in leak] for leak in audit.leaks[:3]])
            # Each measure's own cells (n, distribution: sums of per-person values) span less.
            by_measure = defaultdict(set)
            for (release_id, key), shown in mine.cells.items():
                if release_id in wave.releases and shown["disclosure"] != ResultCell.Disclosure.SUPPRESSED:
                    by_measure[key.rsplit("/", 1)[1]].add((release_id, group_key(key)))
            assert by_measure["count"] == set(keys)
            for measure_cells in {frozenset(cells) for cells in by_measure.values()}:
                assert measure_cells <= set(keys)
                sub = [members(key, wave, release_id) for release_id, key in sorted(measure_cells)]
                assert find_small_groups_in_span(sub, len(wave.respondents)).leaks == []

    # A school lead sees less than an organisation lead, a trustee as much.
    assert set(obtained["school_lead"].cells) < set(obtained["organisation_lead"].cells)
    assert set(obtained["trustee"].cells) == set(obtained["organisation_lead"].cells)


def test_the_pairwise_rule_alone_would_have_let_a_small_group_be_worked_out_on_the_same_data(scenario):
    """Primary suppression plus "parent minus child is at least k" for every pair of nested
    groups (across the releases of a wave too: an interim release's cells are already out), on
    the groups the release builder considered: some group of 1..4 respondents is then in the
    span of what is published. The real releases hid more (complementary suppression)."""
    waves = scenario["waves"]
    leaked = []
    with organisation_scope(scenario["organisation"]):
        candidates = {
            release.pk: list(ResultCell.objects.filter(release=release, item__isnull=True, domain__isnull=True)
                             .exclude(suppression__in=["small_school", "cut_off"]).values_list("key", "suppression"))
            for release in scenario["releases"]
        }
    complementary = sum(1 for rows in candidates.values() for _key, s in rows if s == "complementary")
    for wave in waves:
        groups = []
        for release_id in sorted(wave.releases):  # the interim release first: it was out first
            here = [(release_id, key, members(key, wave, release_id)) for key, _s in candidates[release_id]]
            groups += sorted(here, key=lambda g: -g[2].sum())  # parents before their children
        matrix = np.array([g[2] for g in groups])
        sizes = matrix.sum(axis=1)
        overlap = matrix @ matrix.T
        nested = (overlap == sizes[:, None]) | (overlap == sizes[None, :])
        gap = np.abs(sizes[:, None] - sizes[None, :])
        unsafe = nested & (gap > 0) & (gap < K)
        published: list[int] = []
        for i in range(len(groups)):
            if sizes[i] >= K and not unsafe[i, published].any():
                published.append(i)
        audit = find_small_groups_in_span([matrix[i] for i in published], len(wave.respondents), limit=5)
        leaked += [(wave, leak) for leak in audit.leaks]
        # Every nested pair published passes the rule...
        assert not unsafe[np.ix_(published, published)].any()
    # ...and yet a small group can be worked out.
    assert leaked, "the pairwise rule should have let a small group through"
    _wave, leak = leaked[0]
    assert 1 <= len(leak) < K
    assert complementary > 0  # what the real releases hid beyond primary suppression


def item_respondent_leaks(scenario, role="organisation_lead"):
    """Beyond DESIGN.md's model: an attacker who also knows who skipped or said "not applicable"
    to each item sees each item cell as the vector of the group's respondents *to that item*. The
    groups of 1..k-1 such respondents whose answers to an item can then be worked out, per item
    (surveys/disclosure/measures.py audits exactly this, so there must be none)."""
    waves, mine = scenario["waves"], scenario["obtained"][role]
    with organisation_scope(scenario["organisation"]):
        items = {item.code: item.pk for item in Item.objects.filter(instrument=core_instrument())}
    found = []
    for wave in waves:
        by_item = defaultdict(list)
        for (release_id, key), shown in sorted(mine.cells.items()):
            measure = key.rsplit("/", 1)[1]
            if release_id in wave.releases and measure.startswith("item:") and shown["n"] is not None:
                by_item[measure[5:]].append(members(key, wave, release_id))
        for code, vectors in by_item.items():
            answered = np.array([r.answers.get(items[code]) is not None for r in wave.respondents])
            vectors = [v * answered for v in vectors]
            audit = find_small_groups_in_span(vectors, len(wave.respondents), limit=3)
            found += [(wave.survey_id, code, leak) for leak in audit.leaks if answered[list(leak)].all()]
    return found


def test_an_attacker_who_knows_who_skipped_each_item_learns_no_small_groups_answers(scenario):
    """Issue 4's item non-response gap: closed once each item is audited over its answerers."""
    found = item_respondent_leaks(scenario)
    assert found == [], f"{len(found)} groups, e.g. wave {found[0][0]} item {found[0][1]}: respondents {found[0][2]}"
    # What it cost: item and domain cells of published groups hidden to protect others' answers.
    with organisation_scope(scenario["organisation"]):
        for release in scenario["releases"]:
            published = set(ResultCell.objects.filter(release=release, item__isnull=True, domain__isnull=True)
                            .exclude(disclosure=ResultCell.Disclosure.SUPPRESSED).values_list("key", flat=True))
            measures = ResultCell.objects.filter(release=release).exclude(item__isnull=True, domain__isnull=True)
            hidden = [key for key in measures.filter(suppression=ResultCell.Suppression.COMPLEMENTARY)
                      .values_list("key", flat=True) if group_key(key) in published]
            shown = measures.exclude(disclosure=ResultCell.Disclosure.SUPPRESSED).count()
            print(f"release {release.pk} ({release.kind}): {shown} item/domain cells shown, {len(hidden)} hidden "
                  "to protect answers")


def test_without_the_audit_of_each_item_that_attacker_would_learn_small_groups_answers(scenario_without_item_audit):
    """The same data and attacker with the per-item audit turned off (the setting a deployment
    could change): small groups' answers to single items can be worked out, so the test above
    passes because of that audit, not because the data happen to be safe."""
    found = item_respondent_leaks(scenario_without_item_audit)
    assert found, "the group-level audit alone should leave item non-response leaks on this data"
