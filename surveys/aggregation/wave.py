"""Aggregates of one wave, computed in SQL over all of its responses at once.

A snapshot copies the wave's respondents into a temporary table (response id, school, cluster,
one column per demographic question) and their answers into another (flipped values, domain,
the same group columns), then every aggregate is one GROUP BY ... GROUPING SETS query over
those tables: organisation, school, cluster of small schools, school x one question,
organisation x one question, organisation x two questions. A group is a set of respondents;
its answer to a question is an option code, and "prefer not to say" or a skipped question puts
a respondent in no group of that question.
"""

from __future__ import annotations

import itertools
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
        self._scores = f"wave_score_{suffix}"
        self._item_atoms = f"wave_item_atom_{suffix}"
        self._clusters_fixed = False
        self._item_counts: dict | None = None
        self._reliability_counts: dict[int, ItemCounts] = {}
        self._scores_made = False
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
        self._execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
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
            SELECT r.id AS response_id, r.school_id, NULL::integer AS cluster{", " if codes else ""}{codes},
                   0::bigint AS complete
            FROM {Response._meta.db_table} r
            WHERE r.organisation_id = %s AND r.survey_id = %s
            """,
            [*params, self.survey.organisation_id, self.survey.pk],
        )
        self._execute(f"CREATE INDEX ON {self._respondents} (response_id)")

    def _drop(self) -> None:
        self._execute(
            f"DROP TABLE IF EXISTS {self._item_atoms}, {self._scores}, {self._respondents}"
        )

    def _answers_sql(self) -> tuple[str, list]:
        """The wave's answers, flipped (reverse-scored items: 6 - v; "not applicable": NULL),
        with their domain, whether the respondent answered every item of that domain (once the
        scores are made) and the respondent's group columns. Not materialised: it is read twice
        (domain scores, item counts per atom), each time by one hash join."""
        columns = ", ".join(f"w.{c}" for c in self._columns)
        sql = f"""
            SELECT a.response_id, a.item_id, i.domain_id,
                   CASE WHEN a.not_applicable THEN NULL
                        WHEN i.reverse THEN 6 - a.value
                        ELSE a.value END AS v,
                   (w.complete >> i.domain_index) & 1 = 1 AS complete,
                   {columns}
            FROM {Answer._meta.db_table} a
            JOIN {self._respondents} w ON w.response_id = a.response_id
            JOIN unnest(%s::bigint[], %s::bigint[], %s::boolean[], %s::integer[])
                 AS i(item_id, domain_id, reverse, domain_index)
              ON i.item_id = a.item_id
            WHERE a.organisation_id = %s
        """
        domain_index = {d.id: i for i, d in enumerate(self.domains)}
        params = [
            [item.id for item in self.items],
            [item.domain_id for item in self.items],
            [item.reverse_scored for item in self.items],
            [domain_index[item.domain_id] for item in self.items],
            self.survey.organisation_id,
        ]
        return sql, params

    def _ensure_scores(self) -> None:
        """Per person and domain: the mean of the answered items and how many were answered
        (not applicable and skipped do not count). A score counts when at least half of the
        domain's items were answered; all of them answered makes the person "complete" in the
        domain (Cronbach's alpha is listwise)."""
        if self._scores_made:
            return
        self._clusters_fixed = True
        answers, params = self._answers_sql()
        self._execute(
            f"""
            CREATE TEMPORARY TABLE {self._scores} ON COMMIT DROP AS
            SELECT a.response_id, a.domain_id, avg(a.v)::float8 AS score, count(*) AS answered,
                   2 * count(*) >= d.items AS kept, count(*) = d.items AS complete
            FROM ({answers}) a
            JOIN unnest(%s::bigint[], %s::integer[]) AS d(domain_id, items) ON d.domain_id = a.domain_id
            WHERE a.v IS NOT NULL
            GROUP BY a.response_id, a.domain_id, d.items
            """,
            [*params, [d.id for d in self.domains], [len(d.item_ids) for d in self.domains]],
        )
        self._execute(
            f"""
            UPDATE {self._respondents} w SET complete = c.mask
            FROM (SELECT s.response_id, sum(1::bigint << d.domain_index) AS mask
                  FROM {self._scores} s
                  JOIN unnest(%s::bigint[], %s::integer[]) AS d(domain_id, domain_index) ON d.domain_id = s.domain_id
                  WHERE s.complete GROUP BY s.response_id) c
            WHERE w.response_id = c.response_id
            """,
            [[d.id for d in self.domains], list(range(len(self.domains)))],
        )
        self._execute(f"ANALYZE {self._scores}")
        self._scores_made = True

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
        source = (
            f"(SELECT {rollup_columns}, "
            f"{', '.join(f'sum({m}) AS {m}' for m in measures)} FROM {atoms} GROUP BY {rollup_columns})"
        )
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
        (surveys.disclosure.measures); profiles that have every measure are left out."""
        if self._item_counts is None:
            self._read_items()
        codes = [f"coalesce(d{i}, '') AS d{i}" for i in range(len(self.questions))]
        names = ["school_id", *(f"d{i}" for i in range(len(self.questions)))]
        group_by = ", ".join(str(i + 1) for i in range(len(names)))
        select = ", ".join(["school_id", *codes])
        w_select = ", ".join(["w.school_id", *(f"coalesce(w.d{i}, '') AS d{i}" for i in range(len(self.questions)))])
        joined = " AND ".join(f"m.{c} = p.{c}" for c in names)
        found: dict[tuple[int, tuple], dict[tuple[str, int], int]] = {}
        for kind, ids, source in (
            ("item", [item.id for item in self.items],
             f"SELECT {select}, item_id AS measure, sum(c1 + c2 + c3 + c4 + c5) AS answered "
             f"FROM {self._item_atoms} GROUP BY {group_by}, item_id"),
            ("domain", [domain.id for domain in self.domains],
             f"SELECT {w_select}, s.domain_id AS measure, count(*) AS answered "
             f"FROM {self._scores} s JOIN {self._respondents} w ON w.response_id = s.response_id "
             f"WHERE s.kept GROUP BY {group_by}, s.domain_id"),
        ):
            rows = self._fetch(
                f"""
                WITH p AS (SELECT {select}, count(*) AS n FROM {self._respondents} GROUP BY {group_by}),
                     m AS ({source})
                SELECT {', '.join(f'p.{c}' for c in names)}, x.measure, coalesce(m.answered, 0)::int
                FROM p CROSS JOIN unnest(%s::bigint[]) AS x(measure)
                LEFT JOIN m ON {joined} AND m.measure = x.measure
                WHERE coalesce(m.answered, 0) < p.n
                """,
                [ids],
            )
            for row in rows:
                profile = (row[0], tuple(code or None for code in row[1:-2]))
                found.setdefault(profile, {})[(kind, row[-2])] = row[-1]
        return found

    def item_counts(self) -> dict[tuple[Group, int], ItemCounts]:
        """Per group and item: the counts of each flipped value and of "not applicable"."""
        if self._item_counts is None:
            self._read_items()
        return self._item_counts

    def _read_items(self) -> None:
        """Two steps: the answers are first counted per atom (school, cluster, demographic
        codes) and item, one plain GROUP BY over the answers; the grouping sets then add those
        atoms up, a few hundred thousand rows instead of every answer once per grouping set.
        The same pass counts the answers of respondents complete in the item's domain (for
        Cronbach's alpha, listwise)."""
        self._ensure_scores()
        answers, params = self._answers_sql()
        columns = ", ".join(f"a.{c}" for c in self._columns)
        self._execute(
            f"""
            CREATE TEMPORARY TABLE {self._item_atoms} ON COMMIT DROP AS
            SELECT {columns}, a.item_id,
                   count(*) FILTER (WHERE a.v = 1)::int AS c1, count(*) FILTER (WHERE a.v = 2)::int AS c2,
                   count(*) FILTER (WHERE a.v = 3)::int AS c3, count(*) FILTER (WHERE a.v = 4)::int AS c4,
                   count(*) FILTER (WHERE a.v = 5)::int AS c5, count(*) FILTER (WHERE a.v IS NULL)::int AS na,
                   count(*) FILTER (WHERE a.complete AND a.v = 1)::int AS k1,
                   count(*) FILTER (WHERE a.complete AND a.v = 2)::int AS k2,
                   count(*) FILTER (WHERE a.complete AND a.v = 3)::int AS k3,
                   count(*) FILTER (WHERE a.complete AND a.v = 4)::int AS k4,
                   count(*) FILTER (WHERE a.complete AND a.v = 5)::int AS k5
            FROM ({answers}) a
            GROUP BY {columns}, a.item_id
            """,
            params,
        )
        measures = ["c1", "c2", "c3", "c4", "c5", "na"]
        sums = ", ".join(f"sum(t.{m})::int" for m in measures)
        rows = []
        for select, source, sets, having in self._split_grouping_sql(self._item_atoms, ["item_id"], measures):
            rows += self._fetch(
                f"SELECT {select}, t.item_id, {sums} FROM {source} t GROUP BY t.item_id, {sets} HAVING {having}"
            )
        width = len(self._columns)
        groups: list[Group] = []
        seen: dict[tuple, int] = {}
        index = []
        for row in rows:
            key = row[: 1 + width]
            g = seen.get(key)
            if g is None:
                g = seen[key] = len(groups)
                groups.append(self._group(row[0], row[1 : 1 + width]))
            index.append(g)
        values = np.array([row[1 + width :] for row in rows], dtype=np.int64).reshape(-1, 7)
        self._item_counts = ItemCountTable(groups, np.array(index, dtype=np.int64), values[:, 0], values[:, 1:6],
                                           values[:, 6])
        reliability = self._fetch(
            f"""
            SELECT item_id, sum(k1)::int, sum(k2)::int, sum(k3)::int, sum(k4)::int, sum(k5)::int
            FROM {self._item_atoms} GROUP BY item_id
            """
        )
        self._reliability_counts = {row[0]: ItemCounts(tuple(row[1:6])) for row in reliability}

    def domain_sums(self) -> dict[tuple[Group, int], DomainSums]:
        """Per group and domain: respondents with a domain score, the sum and sum of squares
        (added up per atom first, like the item counts)."""
        self._ensure_scores()
        columns = ", ".join(f"w.{c}" for c in self._columns)
        select, sets, having = self._grouping_sql("t")
        rows = self._fetch(
            f"""
            WITH t AS MATERIALIZED (
                SELECT {columns}, s.domain_id, count(*) AS n, sum(s.score) AS total,
                       sum(s.score * s.score) AS squares
                FROM {self._scores} s JOIN {self._respondents} w ON w.response_id = s.response_id
                WHERE s.kept
                GROUP BY {columns}, s.domain_id
            )
            SELECT {select}, t.domain_id, sum(t.n)::int, sum(t.total), sum(t.squares)
            FROM t
            GROUP BY t.domain_id, {sets}
            HAVING {having}
            """
        )
        width = len(self._columns)
        return {
            (self._group(row[0], row[1 : 1 + width]), row[1 + width]): DomainSums(
                row[2 + width], float(row[3 + width]), float(row[4 + width])
            )
            for row in rows
        }

    def reliability_sums(self) -> dict[int, ReliabilitySums]:
        """Per domain, at organisation level, over the respondents who answered all its items:
        each item's sum and sum of squares, and those of their summed score."""
        if self._item_counts is None:
            self._read_items()
        totals = self._fetch(
            f"""
            SELECT s.domain_id, count(*), sum(s.score * d.items)::float8, sum((s.score * d.items) ^ 2)::float8
            FROM {self._scores} s
            JOIN unnest(%s::bigint[], %s::integer[]) AS d(domain_id, items) ON d.domain_id = s.domain_id
            WHERE s.complete
            GROUP BY s.domain_id
            """,
            [[d.id for d in self.domains], [len(d.item_ids) for d in self.domains]],
        )
        found = {}
        for domain_id, n, total, total_squares in totals:
            domain = next(d for d in self.domains if d.id == domain_id)
            items = []
            for item_id in domain.item_ids:
                _n, item_total, item_squares = counts_moments(self._reliability_counts[item_id].counts)
                items.append((item_total, item_squares))
            found[domain_id] = ReliabilitySums(n, tuple(items), (total, total_squares))
        return found

    def domain_score_matrix(self) -> tuple[list[int], np.ndarray]:
        """The organisation's domain scores, one row per respondent (no id, no school, no
        group: rows in no particular order), NaN where a person has no score for a domain."""
        self._ensure_scores()
        domain_ids = [d.id for d in self.domains]
        column = {domain_id: i for i, domain_id in enumerate(domain_ids)}
        rows = self._fetch(
            f"SELECT array_agg(domain_id), array_agg(score) FROM {self._scores} WHERE kept GROUP BY response_id"
        )
        matrix = np.full((len(rows), len(domain_ids)), np.nan)
        for r, (ids, scores) in enumerate(rows):
            matrix[r, [column[i] for i in ids]] = scores
        return domain_ids, matrix

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
