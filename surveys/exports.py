"""A release's result cells as flat records: the CSV and Excel downloads and the results API.

Everything here reads result cells through `surveys.results` (never answers) and shows each
cell as it was written: a suppressed cell has no statistic at all, so its row has blank numbers
and says why in the "not shown" column ("fewer than k" for a group that is too small); a banded
cell (fewer than 10 answers) shows its size and the band of % favourable only. Who sees which
cells is decided once, in `surveys.permissions.results_scope`.

Spreadsheets run text starting with "=", "+", "-", "@" as a formula: every text value goes
through the roster's `escape_formula` (a leading apostrophe), in CSV and in Excel alike. Files
are written row by row (CSV streamed, Excel by XlsxWriter in constant-memory mode to a temporary file),
so a release of 200,000 cells never sits in memory as one table.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from wellbeing.tenancy.models import Organisation
from wellbeing.tenancy.roster import escape_formula

from .disclosure.rules import FavourableBand
from .models import DemographicQuestion, Domain, Release, ReleaseCluster, ResultCell
from .permissions import ResultsScope
from .results import VISIBLE, release_cells, release_domains

View = ResultCell.View
Disclosure = ResultCell.Disclosure
Suppression = ResultCell.Suppression

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 5000


def current_language() -> str:
    return (get_language() or "en").split("-")[0]


# --- which release, which cells ----------------------------------------------------------------
def release_visible(*, release_id) -> Release | None:
    """A release of the organisation in context that people may have seen (published, or
    superseded by a later one), or None: another organisation's release is simply not found."""
    return Release.objects.filter(pk=release_id, status__in=VISIBLE).select_related("survey").first()


def releases_for_reader() -> QuerySet[Release]:
    """Every visible release of the organisation, newest wave first."""
    return (
        Release.objects.filter(status__in=VISIBLE).select_related("survey")
        .order_by("-survey__opens_at", "-survey_id", "-number")
    )


def cells_for_reader(*, release: Release, scope: ResultsScope) -> QuerySet[ResultCell]:
    """The cells of `release` the reader may see, in key order (the same for every wave)."""
    clusters = dict(ReleaseCluster.objects.filter(release=release).values_list("pk", "school_ids"))
    return release_cells(release=release).filter(scope.cells_filter(clusters=clusters))


# --- one cell as a flat record -------------------------------------------------------------------
@dataclass
class Labels:
    """Names of what cells refer to, in one language, looked up once per release."""

    release: Release
    language: str
    organisation_name: str
    questions: dict[int, DemographicQuestion]
    domains: dict[int, Domain]

    @classmethod
    def of(cls, release: Release, language: str | None = None) -> Labels:
        language = language or current_language()
        organisation = Organisation.objects.get(pk=release.organisation_id)
        questions = {q.pk: q for q in DemographicQuestion.objects.filter(
            pk__in=ResultCell.objects.filter(release=release, demographic_1__isnull=False)
            .values("demographic_1").distinct()
        )}
        questions.update({q.pk: q for q in DemographicQuestion.objects.filter(
            pk__in=ResultCell.objects.filter(release=release, demographic_2__isnull=False)
            .values("demographic_2").distinct()
        ).exclude(pk__in=list(questions))})
        domains = {d.pk: d for d in release_domains(release=release)}
        return cls(release, language, organisation.name, questions, domains)

    def question(self, question_id: int | None, code: str) -> tuple[str, str, str]:
        """(question code, question text, group label) of one demographic part of a cell."""
        if question_id is None:
            return "", "", ""
        question = self.questions[question_id]
        options = dict(question.options_in(self.language))
        # An empty code is a placeholder cell standing for every group of the question.
        return question.code, question.text_in(self.language), options.get(code, code) if code else _("All groups")


RECORD_FIELDS = (
    "release", "survey", "key", "view", "view_label", "school_id", "place", "question_1", "question_1_label",
    "group_1", "group_1_label", "question_2", "question_2_label", "group_2", "group_2_label", "measure_type",
    "domain", "domain_label", "measure", "measure_label", "disclosure", "suppression", "not_shown",
    "respondents", "n", "pct_favourable", "pct_neutral", "pct_unfavourable", "mean", "sd", "ci_low", "ci_high",
    "favourable_band_low", "favourable_band_high", "favourable_band", "distribution_1", "distribution_2",
    "distribution_3", "distribution_4", "distribution_5", "change", "change_significant", "mean_change",
    "mean_change_significant", "difference", "difference_significant", "mean_difference",
    "mean_difference_significant",
)


def not_shown(cell: ResultCell, k: int) -> str:
    """Why a suppressed cell has no numbers ("" for a cell that has them)."""
    if cell.disclosure != Disclosure.SUPPRESSED:
        return ""
    if cell.suppression == Suppression.PRIMARY:
        return _("fewer than %(k)s") % {"k": k}
    return cell.get_suppression_display()


def cell_record(cell: ResultCell, labels: Labels) -> dict:
    """One cell as a flat dict (RECORD_FIELDS): codes for machines, labels for people, and the
    cell's statistics exactly as stored (None where the cell has none)."""
    release, language = labels.release, labels.language
    if cell.view == View.CLUSTER:
        place = cell.cluster.label if cell.cluster_id else ""
    elif cell.school_id:
        place = cell.school.name
    else:
        place = labels.organisation_name
    q1, q1_label, g1_label = labels.question(cell.demographic_1_id, cell.code_1)
    q2, q2_label, g2_label = labels.question(cell.demographic_2_id, cell.code_2)
    if cell.item_id:
        measure_type, measure, measure_label = "item", cell.item.code, cell.item.text_in(language)
        domain = labels.domains.get(cell.item.domain_id)
    elif cell.domain_id:
        domain = labels.domains.get(cell.domain_id) or cell.domain
        measure_type, measure, measure_label = "domain", domain.code, domain.name_in(language)
    else:
        measure_type, measure, measure_label, domain = "count", "", _("Respondents"), None
    distribution = cell.distribution or {}
    band = ""
    if cell.favourable_band_low is not None:
        band = FavourableBand(cell.favourable_band_low, cell.favourable_band_high).label()
    return {
        "release": release.pk,
        "survey": release.survey.title,
        "key": cell.key,
        "view": cell.view,
        "view_label": cell.get_view_display(),
        "school_id": cell.school_id,
        "place": place,
        "question_1": q1, "question_1_label": q1_label, "group_1": cell.code_1, "group_1_label": g1_label,
        "question_2": q2, "question_2_label": q2_label, "group_2": cell.code_2, "group_2_label": g2_label,
        "measure_type": measure_type,
        "domain": domain.code if domain else "",
        "domain_label": domain.name_in(language) if domain else "",
        "measure": measure,
        "measure_label": measure_label,
        "disclosure": cell.disclosure,
        "suppression": cell.suppression,
        "not_shown": not_shown(cell, release.survey.threshold),
        "respondents": cell.respondents,
        "n": cell.n,
        "pct_favourable": cell.pct_favourable,
        "pct_neutral": cell.pct_neutral,
        "pct_unfavourable": cell.pct_unfavourable,
        "mean": cell.mean,
        "sd": cell.sd,
        "ci_low": cell.ci_low,
        "ci_high": cell.ci_high,
        "favourable_band_low": cell.favourable_band_low,
        "favourable_band_high": cell.favourable_band_high,
        "favourable_band": band,
        **{f"distribution_{v}": distribution.get(str(v)) for v in range(1, 6)},
        "change": cell.change,
        "change_significant": cell.change_significant,
        "mean_change": cell.mean_change,
        "mean_change_significant": cell.mean_change_significant,
        "difference": cell.difference,
        "difference_significant": cell.difference_significant,
        "mean_difference": cell.mean_difference,
        "mean_difference_significant": cell.mean_difference_significant,
    }


def cell_records(cells: QuerySet[ResultCell], labels: Labels) -> Iterator[dict]:
    for cell in cells.iterator(chunk_size=CHUNK):
        yield cell_record(cell, labels)


# --- the spreadsheet --------------------------------------------------------------------------
def _flag(value: bool | None) -> str:
    if value is None:
        return ""
    return _("Yes") if value else _("No")


def _measure_type_label(measure_type: str) -> str:
    return {"item": _("Item"), "domain": _("Domain"), "count": _("Respondents")}[measure_type]


def spreadsheet_header() -> list[str]:
    return [
        _("View"), _("School or cluster"), _("Question 1"), _("Group 1"), _("Question 2"), _("Group 2"),
        _("Measure type"), _("Domain"), _("Measure code"), _("Measure"), _("Disclosure"), _("Not shown"),
        _("Respondents"), pgettext("number of valid answers", "n"), _("% favourable"), _("% neutral"),
        _("% unfavourable"), _("Mean"), _("Confidence interval low (% favourable)"),
        _("Confidence interval high (% favourable)"), _("% favourable band"), _("Change since previous wave (points)"),
        _("Change significant"), _("Change of mean"), _("Change of mean significant"),
        _("Difference from rest of organisation (points)"), _("Difference significant"), _("Difference of mean"),
        _("Difference of mean significant"), _("Cell key"),
    ]


def spreadsheet_row(record: dict) -> list:
    """One record as the spreadsheet shows it: labels, then numbers (blank where the cell has
    none), then yes/no flags, and last the cell's key (the same cell of two waves has the same
    key: a lookup column for comparing waves)."""
    return [
        record["view_label"], record["place"], record["question_1_label"], record["group_1_label"],
        record["question_2_label"], record["group_2_label"], _measure_type_label(record["measure_type"]),
        record["domain_label"], record["measure"], record["measure_label"],
        ResultCell.Disclosure(record["disclosure"]).label, record["not_shown"],
        record["respondents"], record["n"], record["pct_favourable"], record["pct_neutral"],
        record["pct_unfavourable"], record["mean"], record["ci_low"], record["ci_high"], record["favourable_band"],
        record["change"], _flag(record["change_significant"]), record["mean_change"],
        _flag(record["mean_change_significant"]), record["difference"], _flag(record["difference_significant"]),
        record["mean_difference"], _flag(record["mean_difference_significant"]), record["key"],
    ]


def _safe(value):
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    return escape_formula(str(value))  # text, including lazily translated labels


def csv_stream(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (Excel opens accents correctly), a chunk of rows at a
    time; text that a spreadsheet would run as a formula is escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_safe(str(h)) for h in header])
    yield buffer.getvalue().encode("utf-8-sig")
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow([_safe(value) for value in row])
        if count % 1000 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_file(header: list[str], rows: Iterable[list], *, title: str):
    """An Excel workbook in a temporary file (rewound), written by XlsxWriter in constant-memory
    mode (row by row, flushed as it goes: a release of 200,000 cells never sits in memory).
    Text is escaped like CSV, and XlsxWriter is told never to turn a string into a formula, a
    number or a link: every text cell is stored as the text it is."""
    import xlsxwriter

    handle = tempfile.TemporaryFile()
    workbook = xlsxwriter.Workbook(handle, {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    })
    sheet = workbook.add_worksheet(_sheet_title(title))
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, [_safe(str(h)) for h in header])
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [None if value is None else _safe(value) for value in row])
    workbook.close()
    handle.seek(0)
    return handle


def _sheet_title(title: str) -> str:
    for character in "[]:*?/\\":
        title = title.replace(character, " ")
    return title[:31] or "Results"


def release_spreadsheet_rows(*, release: Release, scope: ResultsScope, language: str | None = None) -> Iterator[list]:
    labels = Labels.of(release, language)
    for record in cell_records(cells_for_reader(release=release, scope=scope), labels):
        yield spreadsheet_row(record)


def export_filename(release: Release, file_format: str) -> str:
    kind = "final" if release.kind == Release.Kind.FINAL else "interim"
    return f"results-{slugify(release.survey.title) or 'survey'}-{kind}-{release.number}.{file_format}"


# --- Excel files, built once per release, reader's scope and language --------------------------
# A release never changes, so the workbook one scope of readers gets in one language is the same
# file every time: it is written once to the private file storage (never served by URL, only
# through the export view, which checks the reader first) and handed out from there. A large
# release's workbook takes tens of seconds to write, longer than a web request should wait: above
# RESULTS_XLSX_INLINE_MAX_CELLS cells, a Celery task writes it and the page says so meanwhile.
def stored_xlsx_name(*, release: Release, scope: ResultsScope, language: str) -> str:
    schools = "all" if scope.all_schools else ",".join(str(pk) for pk in sorted(scope.school_ids))
    # The creation time too: a database restored or rebuilt (a test run) reuses ids, never the
    # same release's creation time, so a file of another release is never handed out.
    made = release.created_at.isoformat()
    digest = hashlib.sha256(f"{release.pk}|{made}|{schools}|{language}".encode()).hexdigest()[:32]
    return f"exports/{release.organisation_id}/release-{release.pk}/{digest}.xlsx"


def stored_xlsx(*, release: Release, scope: ResultsScope, language: str) -> str | None:
    """The stored workbook's name in the file storage, or None while it is not written yet."""
    name = stored_xlsx_name(release=release, scope=scope, language=language)
    return name if default_storage.exists(name) else None


def xlsx_written_inline(*, release: Release, scope: ResultsScope) -> bool:
    """Whether this reader's workbook is small enough to write while the request waits."""
    limit = settings.RESULTS_XLSX_INLINE_MAX_CELLS
    return cells_for_reader(release=release, scope=scope)[: limit + 1].count() <= limit


def xlsx_store(*, release: Release, scope: ResultsScope, language: str) -> str:
    """Writes the reader's workbook to the file storage, unless it is there already, and returns
    its name. Safe to repeat and to run twice at once: both write the same bytes, and the file
    appears under its name only once complete."""
    name = stored_xlsx_name(release=release, scope=scope, language=language)
    if default_storage.exists(name):
        return name
    from django.utils import translation

    with translation.override(language):
        handle = xlsx_file(
            spreadsheet_header(),
            release_spreadsheet_rows(release=release, scope=scope, language=language),
            title=release.survey.title,
        )
    with handle:
        _save_whole(name, handle)
    return name


def _save_whole(name: str, handle) -> None:
    """Saves a file so that it appears under its name only once complete: on the local file
    system, written beside it and renamed; object stores (S3 and the like) make an upload visible
    only once it is whole anyway."""
    try:
        default_storage.path(name)
    except NotImplementedError:
        if not default_storage.exists(name):
            default_storage.save(name, File(handle))
        return
    import os

    saved = default_storage.save(f"{name}.partial", File(handle))
    if default_storage.exists(name):
        default_storage.delete(saved)
    else:
        os.replace(default_storage.path(saved), default_storage.path(name))
