"""Aggregates of one wave, computed in SQL over all of its responses at once.

A snapshot copies the wave's respondents into a temporary table (response id, school, cluster,
one column per demographic question) and reads their answers once, into another with one row per
respondent (each item's flipped answer as a small code, each domain's answered items and their
sum). Those rows are counted per atom (respondents of identical school, cluster and codes) in
one GROUP BY, and every aggregate of a group is then one GROUP BY ... GROUPING SETS query over
the atoms: organisation, school, cluster of small schools, school x one question, organisation
x one question, organisation x two questions. A group is a set of respondents; its answer to a
question is an option code, and "prefer not to say" or a skipped question puts a respondent in
no group of that question.
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from django.db import connection

from ..models import (
    PREFER_NOT_TO_SAY,
    Answer,
    Comment,
    Item,
    Response,
    ResultCell,
    Survey,
)
from ..selectors import survey_demographic_questions
from ..statistics import counts_moments

View = ResultCell.View
WORK_MEM = "256MB"
# An answer's code: 0 skipped (no row), 1..5 the flipped value, 6 "not applicable"; three bits,
# so 21 of them fit in a bigint.
NOT_APPLICABLE_CODE = 6
CODES_PER_WORD = 21
# PostgreSQL allows 1,600 columns in a table: the atoms' measures are split across tables.
MAX_ATOM_COLUMNS = 1200


@dataclass(frozen=True)
class Group:
    """A group of respondents a release can publish. `answers` holds (question code, option
    code) pairs in the survey's order of questions; `cluster` is an index into the release's
    clusters of small schools."""

    view: str
    school_id: int | None = None
    cluster: int | None = None
    answers: tuple[tuple[str, str], ...] = ()

    @property
    def is_organisation(self) -> bool:
        return self.view == View.ORGANISATION


ORGANISATION = Group(View.ORGANISATION)


@dataclass(frozen=True)
class ItemCounts:
    """Answers of one group to one item: counts of the (flipped) values 1..5, and how many said
    "not applicable" (skipped items have no answer at all)."""

    counts: tuple[int, int, int, int, int]
    not_applicable: int = 0

    @property
    def n(self) -> int:
        return sum(self.counts)

    def __sub__(self, other: ItemCounts) -> ItemCounts:
        return ItemCounts(
            tuple(a - b for a, b in zip(self.counts, other.counts, strict=True)),
            self.not_applicable - other.not_applicable,
        )


class ItemCountTable(Mapping):
    """The item counts of a wave as arrays, one row per (group, item): `groups[group[i]]`,
    `item_id[i]`, `counts[i]` (values 1..5) and `not_applicable[i]`. Read as a mapping
    (group, item id) -> ItemCounts as well; the release builder reads the arrays."""

    def __init__(self, groups: list[Group], group: np.ndarray, item_id: np.ndarray, counts: np.ndarray,
                 not_applicable: np.ndarray):
        self.groups, self.group, self.item_id = groups, group, item_id
        self.counts, self.not_applicable = counts, not_applicable
        self._mapping: dict | None = None

    def _as_dict(self) -> dict:
        if self._mapping is None:
            self._mapping = {
                (self.groups[g], item): ItemCounts(tuple(counts), na)
                for g, item, counts, na in zip(self.group.tolist(), self.item_id.tolist(), self.counts.tolist(),
                                               self.not_applicable.tolist(), strict=True)
            }
        return self._mapping

    def __getitem__(self, key):
        return self._as_dict()[key]

    def __iter__(self):
        return iter(self._as_dict())

    def __len__(self) -> int:
        return len(self.item_id)


@dataclass(frozen=True)
class DomainSums:
    """Domain scores of one group: how many respondents have one, their sum and sum of squares."""

    n: int
    total: float
    squares: float

    def __sub__(self, other: DomainSums) -> DomainSums:
        return DomainSums(self.n - other.n, self.total - other.total, self.squares - other.squares)


@dataclass(frozen=True)
class ReliabilitySums:
    """For Cronbach's alpha of a domain at organisation level, listwise: the respondents who
    answered every item of the domain, each item's (n, sum, sum of squares) over them, and the
    same for their summed score."""

    n: int
    items: tuple[tuple[float, float], ...]  # (sum, sum of squares) per item
    total: tuple[float, float]


@dataclass(frozen=True)
class ItemInfo:
    id: int
    code: str
    domain_id: int
    reverse_scored: bool


@dataclass(frozen=True)
class DomainInfo:
    id: int
    code: str
    is_outcome: bool
    item_ids: tuple[int, ...]


class WaveSnapshot:
    """The aggregates of one survey's responses, read in one transaction (see the package doc)."""

    def __init__(self, survey: Survey):
        self.survey = survey
        self.questions = [(q.code, q.option_codes) for q in survey_demographic_questions(survey=survey)]
        items = list(
            Item.objects.filter(instrument_id=survey.instrument_id)
            .select_related("domain")
            .order_by("domain__order", "domain_id", "order", "number")
        )
        self.items = [ItemInfo(item.pk, item.code, item.domain_id, item.reverse_scored) for item in items]
        domains: dict[int, DomainInfo] = {}
        for item in items:
            known = domains.get(item.domain_id)
            ids = (known.item_ids if known else ()) + (item.pk,)
            domains[item.domain_id] = DomainInfo(item.domain_id, item.domain.code, item.domain.is_outcome, ids)
        self.domains = list(domains.values())
        suffix = uuid.uuid4().hex[:12]
        self._respondents = f"wave_respondent_{suffix}"
        self._answers = f"wave_answer_{suffix}"
        self._atoms_prefix = f"wave_atom_{suffix}"
        self._clusters_fixed = False
        self._answers_made = False
        # (table, its measure columns) of the per-atom counts and sums, once made.
        self._atom_tables: list[tuple[str, list[str]]] | None = None
        self._item_counts: ItemCountTable | None = None
        self._domain_sums: dict | None = None
        self._groups: dict[tuple, Group] = {}
        self._columns = ["school_id", "cluster", *(f"d{i}" for i in range(len(self.questions)))]

    # -- temporary tables -------------------------------------------------------------------
    def _execute(self, sql: str, params=()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def _fetch(self, sql: str, params=()) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _create(self) -> None:
        # Hash aggregation of the grouping sets needs more than PostgreSQL's default 4 MB, or
        # it falls back to sorting on disk (three times slower); local to this transaction.
        # These queries run once each, for a second or less: compiling them (JIT) costs more
        # than it saves.
        self._execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        self._execute("SET LOCAL jit = off")
        # A wave is read whole, so hash joins are right. With statistics from before a big load
        # (a wave answered faster than autovacuum analyses the answers), the planner expects one
        # response and joins row by row, each time through the organisation's whole index of
        # answers: 204 s instead of under 1 s for 20,000 respondents (bench_dashboards.py, which
        # builds its release right after loading). Back to the default when the snapshot ends.
        self._execute("SET LOCAL enable_nestloop = off")
        codes = ", ".join(
            f"CASE WHEN r.demographics ->> %s = ANY(%s) THEN r.demographics ->> %s END AS d{i}"
            for i in range(len(self.questions))
        )
        params: list = []
        for code, options in self.questions:
            params += [code, [o for o in options if o != PREFER_NOT_TO_SAY], code]
        self._execute(
            f"""
            CREATE TEMPORARY TABLE {self._respondents} ON COMMIT DROP AS
            SELECT r.id AS response_id, r.school_id, NULL::integer AS cluster{", " if codes else ""}{codes}
            FROM {Response._meta.db_table} r
            WHERE r.organisation_id = %s AND r.survey_id = %s
            """,
            [*params, self.survey.organisation_id, self.survey.pk],
        )
        # Temporary tables are never analysed on their own: without statistics the planner
        # builds its hash on the answers (a million rows) instead of on the respondents.
        self._execute(f"ANALYZE {self._respondents}")
        self._size = self._fetch(f"SELECT count(*) FROM {self._respondents}")[0][0]

    def _drop(self) -> None:
        tables = [self._respondents, self._answers, *(table for table, _ in self._atom_tables or ())]
        self._execute(f"DROP TABLE IF EXISTS {', '.join(reversed(tables))}")
        self._execute("SET LOCAL enable_nestloop = DEFAULT")

    def _domain_scale(self, domain: DomainInfo) -> tuple[int, str]:
        """(L, SQL type) of a domain's scaled scores: L is the least common multiple of 1..items,
        so that a score (sum / answered items) times L is an integer and sums of scores and of
        their squares are exact; bigint unless the sum of the wave's squares might not fit."""
        scale = math.lcm(*range(1, len(domain.item_ids) + 1))
        return scale, ("bigint" if (5 * scale) ** 2 * max(self._size, 1) < 2**62 else "numeric")

    def _ensure_answers(self) -> None:
        """One row per respondent with any answer, read in one pass over the wave's answers
        grouped by respondent: x0, x1, ... the code of each item in the order of `self.items`
        (NOT_APPLICABLE_CODE, or the flipped value 1..5: reverse-scored items 6 - v; 0 skipped),
        packed CODES_PER_WORD to a bigint by bit_or and unpacked; then per domain (in the order
        of `self.domains`) a0, a1, ... how many of its items were answered ("not applicable" and
        skipped do not count), t0, t1, ... their sum, and q0, q1, ... the domain score (the mean
        of the answered items, counted when at least half are answered, else NULL) times the
        domain's scale (`_domain_scale`). The pass over the answers joins the wave's responses
        rather than the temporary table of respondents, so that PostgreSQL may scan in parallel
        (it never reads a temporary table in a parallel worker); the respondents are joined
        afterwards, so that every aggregate reads the same ones."""
        if self._answers_made:
            return
        n = len(self.items)
        words = -(-n // CODES_PER_WORD)
        code = (f"CASE WHEN a.not_applicable THEN {NOT_APPLICABLE_CODE} WHEN i.reverse THEN 6 - a.value "
                "ELSE a.value END")
        packed = ", ".join(
            f"bit_or(CASE WHEN i.word = {w} THEN ({code})::bigint << (3 * i.slot) END) AS p{w}" for w in range(words)
        )
        unpacked = ", ".join(
            f"((coalesce(p.p{k // CODES_PER_WORD}, 0) >> {3 * (k % CODES_PER_WORD)}) & 7)::smallint AS x{k}"
            for k in range(n)
        )
        position = {item.id: k for k, item in enumerate(self.items)}
        per_domain, scores = [], []
        for j, domain in enumerate(self.domains):
            ks = [position[item_id] for item_id in domain.item_ids]
            per_domain.append(" + ".join(f"(x{k} BETWEEN 1 AND 5)::int" for k in ks) + f" AS a{j}")
            per_domain.append(" + ".join(f"mod(x{k}, {NOT_APPLICABLE_CODE})::int" for k in ks) + f" AS t{j}")
            scale, kind = self._domain_scale(domain)
            scores.append(f"CASE WHEN 2 * a{j} >= {len(ks)} THEN t{j}::{kind} * ({scale}::bigint / a{j}) END AS q{j}")
        self._execute(
            f"""
            CREATE TEMPORARY TABLE {self._answers} ON COMMIT DROP AS
            SELECT c.*, {", ".join(scores) or "NULL AS none"} FROM (
                SELECT x.*, {", ".join(per_domain) or "NULL AS none"} FROM (
                    SELECT p.response_id, {unpacked} FROM (
                        SELECT a.response_id, {packed}
                        FROM {Answer._meta.db_table} a
                        JOIN {Response._meta.db_table} r
                          ON r.id = a.response_id AND r.organisation_id = %s AND r.survey_id = %s
                        JOIN unnest(%s::bigint[], %s::boolean[], %s::integer[], %s::integer[])
                             AS i(item_id, reverse, word, slot) ON i.item_id = a.item_id
                        WHERE a.organisation_id = %s
                        GROUP BY a.response_id
                    ) p
                    JOIN {self._respondents} w ON w.response_id = p.response_id
                ) x
            ) c
            """,
            [
                self.survey.organisation_id,
                self.survey.pk,
                [item.id for item in self.items],
                [item.reverse_scored for item in self.items],
                [k // CODES_PER_WORD for k in range(n)],
                [k % CODES_PER_WORD for k in range(n)],
                self.survey.organisation_id,
            ],
        )
        self._answers_made = True

    def _ensure_atoms(self) -> None:
        """Per atom (school, cluster, demographic codes): its respondents, each item's counts of
        each code (i<k>_<code>, codes 1..6) and per domain the respondents with a score, the sum
        of their scaled scores and of the squares of those (n<j>, q<j>, r<j>). One GROUP BY over
        the respondents (a few thousand atoms); the measures are split across tables of at most
        MAX_ATOM_COLUMNS columns."""
        if self._atom_tables is not None:
            return
        self._clusters_fixed = True
        self._ensure_answers()
        measures = [
            (f"i{k}_{c}", f"count(*) FILTER (WHERE c.x{k} = {c})::int")
            for k in range(len(self.items)) for c in range(1, NOT_APPLICABLE_CODE + 1)
        ]
        for j, domain in enumerate(self.domains):
            kind = self._domain_scale(domain)[1]
            measures += [
                (f"n{j}", f"count(c.q{j})::int"), (f"q{j}", f"sum(c.q{j})::{kind}"),
                (f"r{j}", f"sum(c.q{j} * c.q{j})::{kind}"),
            ]
        columns = ", ".join(f"w.{c}" for c in self._columns)
        self._atom_tables = []
        for start in range(0, max(len(measures), 1), MAX_ATOM_COLUMNS):
            part = measures[start : start + MAX_ATOM_COLUMNS]
            table = f"{self._atoms_prefix}_{len(self._atom_tables)}"
            self._execute(
                f"""
                CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS
                SELECT {columns}, count(*)::int AS respondents{"".join(f", {e} AS {m}" for m, e in part)}
                FROM {self._respondents} w LEFT JOIN {self._answers} c ON c.response_id = w.response_id
                GROUP BY {columns}
                """
            )
            self._atom_tables.append((table, [m for m, _ in part]))

    # -- groups -------------------------------------------------------------------------------
    def _grouping_sets(self) -> list[tuple[str, ...]]:
        d = [f"d{i}" for i in range(len(self.questions))]
        return [
            (),
            ("school_id",),
            ("cluster",),
            *(("school_id", x) for x in d),
            *((x,) for x in d),
            *itertools.combinations(d, 2),
        ]

    def _grouping_sql(self, alias: str) -> tuple[str, str, str]:
        """(GROUPING mask and group columns for SELECT, GROUPING SETS clause, HAVING clause)."""
        columns = [f"{alias}.{c}" for c in self._columns]
        select = f"GROUPING({', '.join(columns)}) AS g, {', '.join(columns)}"
        sets = [
            "(" + ", ".join(f"{alias}.{c}" for c in grouping_set) + ")" for grouping_set in self._grouping_sets()
        ]
        # A NULL code (skipped, prefer not to say) or no cluster is no group at all.
        having = [f"(GROUPING({c}) = 1 OR {c} IS NOT NULL)" for c in columns[1:]]
        return select, f"GROUPING SETS ({', '.join(sets)})", " AND ".join(having) or "TRUE"

    def _split_grouping_sql(self, atoms: str, keys: list[str], measures: list[str]) -> list[tuple[str, str, str, str]]:
        """The grouping sets of `atoms` (a table of per-atom sums, the columns `measures`, one
        row per atom and `keys`), split in two queries: the sets with a school or cluster over the atoms,
        and the organisation's sets over the atoms first added up across schools (a few
        thousand rows). Each is (SELECT list, source, GROUPING SETS clause, HAVING clause); the
        SELECT list starts with the GROUPING mask over all the group columns."""
        d = [c for c in self._columns if c.startswith("d")]
        place_sets = [("school_id",), ("cluster",), *(("school_id", x) for x in d)]
        organisation_sets = [(), *((x,) for x in d), *itertools.combinations(d, 2)]

        def clause(sets):
            return "GROUPING SETS (" + ", ".join("(" + ", ".join(f"t.{c}" for c in g) + ")" for g in sets) + ")"

        having = " AND ".join(f"(GROUPING(t.{c}) = 1 OR t.{c} IS NOT NULL)" for c in self._columns[1:]) or "TRUE"
        columns = ", ".join(f"t.{c}" for c in self._columns)
        place = (f"GROUPING({columns}) AS g, {columns}", atoms, clause(place_sets), having)
        queries = [place]
        # Over the roll-up, school and cluster are never grouped: their two bits are set.
        never = (1 << (len(self._columns) - 1)) | (1 << (len(self._columns) - 2))
        rollup_columns = ", ".join([*d, *keys])
        rollup = ", ".join([*d, *keys, *(f"sum({m}) AS {m}" for m in measures)])
        source = f"(SELECT {rollup} FROM {atoms}{f' GROUP BY {rollup_columns}' if rollup_columns else ''})"
        d_having = " AND ".join(f"(GROUPING(t.{c}) = 1 OR t.{c} IS NOT NULL)" for c in d) or "TRUE"
        mask = f"({never} | GROUPING({', '.join(f't.{c}' for c in d)}))" if d else str(never)
        organisation_columns = ", ".join(["NULL::bigint", "NULL::integer", *(f"t.{c}" for c in d)])
        queries.append((f"{mask} AS g, {organisation_columns}", source, clause(organisation_sets), d_having))
        return queries

    def _group(self, mask: int, values: tuple) -> Group:
        """The Group of one output row; bit set in `mask` = column not grouped (PostgreSQL)."""
        key = (mask, tuple(values))
        if key not in self._groups:
            self._groups[key] = self._make_group(mask, values)
        return self._groups[key]

    def _make_group(self, mask: int, values: tuple) -> Group:
        width = len(self._columns)
        grouped = [not (mask >> (width - 1 - i)) & 1 for i in range(width)]
        school_id, cluster, *codes = values
        answers = tuple(
            (self.questions[i][0], codes[i]) for i in range(len(codes)) if grouped[2 + i]
        )
        if grouped[0]:
            return Group(View.SCHOOL_BY_GROUP if answers else View.SCHOOL, school_id=school_id, answers=answers)
        if grouped[1]:
            return Group(View.CLUSTER, cluster=cluster)
        if not answers:
            return ORGANISATION
        view = View.ORGANISATION_BY_GROUP if len(answers) == 1 else View.ORGANISATION_BY_TWO_GROUPS
        return Group(view, answers=answers)

    # -- aggregates ---------------------------------------------------------------------------
    def respondents_by_school(self) -> dict[int, int]:
        return dict(self._fetch(f"SELECT school_id, count(*) FROM {self._respondents} GROUP BY school_id"))

    def set_clusters(self, clusters: Mapping[int, int]) -> None:
        """Put schools into clusters of small schools (school id -> cluster index). Call before
        any other aggregate: the answers' copy carries the cluster."""
        if self._clusters_fixed:
            raise RuntimeError("set the clusters before reading any aggregate")
        self._execute(f"UPDATE {self._respondents} SET cluster = NULL")
        if clusters:
            self._execute(
                f"""
                UPDATE {self._respondents} w SET cluster = c.cluster
                FROM unnest(%s::bigint[], %s::integer[]) AS c(school_id, cluster)
                WHERE w.school_id = c.school_id
                """,
                [list(clusters), list(clusters.values())],
            )

    def group_respondents(self) -> dict[Group, int]:
        """How many respondents each group has."""
        select, sets, having = self._grouping_sql("w")
        rows = self._fetch(
            f"SELECT {select}, count(*) FROM {self._respondents} w GROUP BY {sets} HAVING {having}"
        )
        return {self._group(row[0], row[1:-1]): row[-1] for row in rows}

    def atom_counts(self) -> list[tuple[int, tuple, int]]:
        """(school id, demographic codes in the survey's order, respondents) for every distinct
        profile: the atoms of disclosure control."""
        codes = [f"d{i}" for i in range(len(self.questions))]
        columns = ", ".join(["school_id", *codes])
        rows = self._fetch(f"SELECT {columns}, count(*) FROM {self._respondents} GROUP BY {columns}")
        return [(row[0], tuple(row[1:-1]), row[-1]) for row in rows]

    def answered_by_profile(self) -> dict[tuple[int, tuple], dict[tuple[str, int], int]]:
        """Per profile (school id, codes, as in `atom_counts`), the measures not all of its
        respondents have: ("item", id) -> valid answers (skipped and "not applicable" do not
        count), ("domain", id) -> domain scores. For disclosure control of each measure
        (surveys.disclosure.measures); profiles that have every measure are left out. Read
        from the atoms (a profile is one atom: a school has one cluster at most)."""
        self._ensure_atoms()
        q = len(self.questions)
        item_of = {f"i{k}_1": ("item", item.id) for k, item in enumerate(self.items)}
        domain_of = {f"n{j}": ("domain", domain.id) for j, domain in enumerate(self.domains)}
        found: dict[tuple[int, tuple], dict[tuple[str, int], int]] = {}
        for table, columns in self._atom_tables:
            measures, sql = [], []
            for column in columns:
                if column in item_of:
                    k = column[1:].split("_")[0]
                    measures.append(item_of[column])
                    sql.append(" + ".join(f"i{k}_{c}" for c in range(1, NOT_APPLICABLE_CODE)))
                elif column in domain_of:
                    measures.append(domain_of[column])
                    sql.append(column)
            if not measures:
                continue
            codes = "".join(f", d{i}" for i in range(q))
            rows = self._fetch(f"SELECT school_id{codes}, respondents, {', '.join(sql)} FROM {table}")
            if not rows:
                continue
            answered = np.array([row[2 + q :] for row in rows], dtype=np.int64)
            size = np.array([row[1 + q] for row in rows], dtype=np.int64)
            for r, m in zip(*np.nonzero(answered < size[:, None]), strict=True):
                row = rows[r]
                found.setdefault((row[0], tuple(row[1 : 1 + q])), {})[measures[m]] = int(answered[r, m])
        return found

    def item_counts(self) -> ItemCountTable:
        """Per group and item: the counts of each flipped value and of "not applicable" (read
        as a mapping (group, item id) -> ItemCounts; groups with no answer to an item have no
        entry)."""
        if self._item_counts is None:
            self._read_groups()
        return self._item_counts

    def _read_groups(self) -> None:
        """The grouping sets over the atoms: every group's item counts and domain sums at once,
        one row per group (a few thousand), made into arrays."""
        self._ensure_atoms()
        width = len(self._columns)
        groups: list[Group] = []
        seen: dict[tuple, int] = {}
        blocks = []
        for table, columns in self._atom_tables:
            casts = [
                "int" if column[0] in "in" else self._domain_scale(self.domains[int(column[1:])])[1]
                for column in columns
            ]
            sums = "".join(f", sum(t.{column})::{cast}" for column, cast in zip(columns, casts, strict=True))
            index, values = [], []
            for select, source, sets, having in self._split_grouping_sql(table, [], columns):
                for row in self._fetch(f"SELECT {select}{sums} FROM {source} t GROUP BY {sets} HAVING {having}"):
                    key = row[: 1 + width]
                    g = seen.get(key)
                    if g is None:
                        g = seen[key] = len(groups)
                        groups.append(self._group(row[0], row[1 : 1 + width]))
                    index.append(g)
                    values.append(row[1 + width :])
            blocks.append((columns, index, values))
        n_groups, n_items = len(groups), len(self.items)
        found: dict[str, np.ndarray] = {}
        for columns, index, values in blocks:
            by_group = np.zeros((n_groups, len(columns)), dtype=object)
            if values:
                by_group[index] = np.array(values, dtype=object).reshape(len(values), len(columns))
            found.update((column, by_group[:, c]) for c, column in enumerate(columns))
        counts = np.zeros((n_groups, n_items, NOT_APPLICABLE_CODE), dtype=np.int64)
        for k in range(n_items):
            for c in range(1, NOT_APPLICABLE_CODE + 1):
                counts[:, k, c - 1] = found[f"i{k}_{c}"]
        group_index, item_index = np.nonzero(counts.sum(axis=2) > 0)
        item_ids = np.array([item.id for item in self.items], dtype=np.int64)
        self._item_counts = ItemCountTable(
            groups, group_index.astype(np.int64), item_ids[item_index], counts[group_index, item_index, :5],
            counts[group_index, item_index, 5],
        )
        self._domain_sums = {}
        for j, domain in enumerate(self.domains):
            scale = self._domain_scale(domain)[0]
            for group, n, total, squares in zip(groups, found[f"n{j}"], found[f"q{j}"], found[f"r{j}"], strict=True):
                if n:
                    # int / int is rounded once, correctly: the exact sums as floats.
                    self._domain_sums[(group, domain.id)] = DomainSums(n, int(total) / scale, int(squares) / scale**2)

    def domain_sums(self) -> dict[tuple[Group, int], DomainSums]:
        """Per group and domain: respondents with a domain score, the sum and sum of squares
        (exact sums, rounded once)."""
        if self._domain_sums is None:
            self._read_groups()
        return self._domain_sums

    def reliability_sums(self) -> dict[int, ReliabilitySums]:
        """Per domain, at organisation level, over the respondents who answered all its items:
        each item's sum and sum of squares, and those of their summed score."""
        self._ensure_answers()
        position = {item.id: k for k, item in enumerate(self.items)}
        columns = []
        for j, domain in enumerate(self.domains):
            complete = f"a{j} = {len(domain.item_ids)}"
            columns += [
                f"count(*) FILTER (WHERE {complete})", f"sum(t{j}::bigint) FILTER (WHERE {complete})",
                f"sum(t{j}::bigint * t{j}) FILTER (WHERE {complete})",
            ]
            columns += [
                f"count(*) FILTER (WHERE {complete} AND x{position[item_id]} = {c})"
                for item_id in domain.item_ids for c in range(1, 6)
            ]
        if not columns:
            return {}
        row = list(self._fetch(f"SELECT {', '.join(columns)} FROM {self._answers}")[0])
        found = {}
        for domain in self.domains:
            n, total, total_squares = row[:3]
            counts, row = row[3 : 3 + 5 * len(domain.item_ids)], row[3 + 5 * len(domain.item_ids) :]
            if not n:
                continue
            items = []
            for i in range(len(domain.item_ids)):
                _n, item_total, item_squares = counts_moments(tuple(counts[5 * i : 5 * i + 5]))
                items.append((item_total, item_squares))
            found[domain.id] = ReliabilitySums(n, tuple(items), (float(total), float(total_squares)))
        return found

    def domain_score_matrix(self) -> tuple[list[int], np.ndarray]:
        """The organisation's domain scores, one row per respondent with any score (no id, no
        school, no group: rows in the order of the random response ids), NaN where a person has
        no score for a domain. A score is PostgreSQL's avg() of the answered values, as float8."""
        self._ensure_answers()
        domain_ids = [d.id for d in self.domains]
        kept = [f"2 * a{j} >= {len(d.item_ids)}" for j, d in enumerate(self.domains)]
        if not kept:
            return domain_ids, np.zeros((0, 0))
        scores = ", ".join(
            f"CASE WHEN {condition} THEN (t{j}::bigint::numeric / a{j}::bigint::numeric)::float8 END"
            for j, condition in enumerate(kept)
        )
        # In the order of the random response ids: the same rows in the same order every time
        # (the answers' table is filled in whatever order parallel workers finish).
        rows = self._fetch(f"SELECT {scores} FROM {self._answers} WHERE {' OR '.join(kept)} ORDER BY response_id")
        return domain_ids, np.array(rows, dtype=float).reshape(len(rows), len(domain_ids))

    def comments(self) -> list[tuple[int, int, str]]:
        """(school id, comment question id, text) of every comment of the wave."""
        return self._fetch(
            f"SELECT school_id, question_id, text FROM {Comment._meta.db_table} "
            "WHERE organisation_id = %s AND survey_id = %s",
            [self.survey.organisation_id, self.survey.pk],
        )


@contextmanager
def wave_snapshot(survey: Survey) -> Iterator[WaveSnapshot]:
    """A snapshot of the survey's responses for the enclosing transaction (see the package)."""
    if not connection.in_atomic_block:
        raise RuntimeError("read a wave inside a transaction (organisation_scope)")
    snapshot = WaveSnapshot(survey)
    snapshot._create()
    try:
        yield snapshot
    finally:
        if not connection.needs_rollback:
            snapshot._drop()
