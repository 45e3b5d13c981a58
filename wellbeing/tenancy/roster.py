"""The staff roster as a spreadsheet: reading an uploaded CSV/XLSX file, checking every row, and
writing the roster back out with formula-looking cells escaped.

Pure: no database. The caller passes in what validation needs to know (the organisation's
schools, the current year), so the rules can be read and tested on their own.

What a roster file looks like
-----------------------------
* The first row holds the column names; every later non-empty row is one person. Row numbers in
  error messages are the spreadsheet's own (the header is row 1), so an admin can go straight
  to the cell.
* Column names are matched leniently: case, spaces, dashes and underscores do not matter
  ("Job category", "job_category", "JOBCATEGORY"), and a few common synonyms are accepted
  (`HEADER_ALIASES`). Unknown columns are ignored, so an export of the current staff (which
  adds "Active" and "Left on") can be uploaded again as it is.
* Columns: email, name, school, job category, contract, FTE (all required) and start year
  (optional).
* Email: a valid address, once per file (case does not matter): people are matched by it.
* School: the name of one of the organisation's open schools, case-insensitive.
* Job category and contract: the code, the label (in any of the site's languages, so an export
  uploads again as it is), or a documented synonym, compared without case, spaces or
  punctuation (`JOB_CATEGORY_ALIASES`, `CONTRACT_ALIASES`): "Teaching assistant",
  "teaching_assistant" and "TA" are the same. Column names may also be given in any of the
  site's languages.
* FTE: a number greater than 0 and at most 1 ("0.6" or "0,6"); kept to three decimals.
* Start year: four digits, from 1900 to the current year.
* CSV: UTF-8 with or without a byte-order mark, separated by commas or semicolons (Excel's
  choice in much of Europe). XLSX: the first worksheet.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import StaffMember

FIELDS = ("email", "name", "school", "job_category", "contract", "fte", "start_year")
REQUIRED_FIELDS = ("email", "name", "school", "job_category", "contract", "fte")

# How each column is called in messages when the file has no such column, and in exports.
FIELD_LABELS = {
    "email": gettext_lazy("Email"),
    "name": gettext_lazy("Name"),
    "school": gettext_lazy("School"),
    "job_category": gettext_lazy("Job category"),
    "contract": gettext_lazy("Contract"),
    "fte": gettext_lazy("FTE"),
    "start_year": gettext_lazy("Start year"),
}

# Header spellings, compared after `_key()` (lower case, letters and digits only).
HEADER_ALIASES = {
    "email": ("email", "emailaddress", "workemail"),
    "name": ("name", "fullname", "staffname"),
    "school": ("school", "schoolname", "site"),
    "job_category": ("jobcategory", "category", "role", "jobrole"),
    "contract": ("contract", "contracttype"),
    "fte": ("fte", "fulltimeequivalent"),
    "start_year": ("startyear", "yearstarted", "yearofstart"),
}

# Values accepted besides each code and its English label.
JOB_CATEGORY_ALIASES = {
    "ta": StaffMember.JobCategory.TEACHING_ASSISTANT,
    "support": StaffMember.JobCategory.SUPPORT,
    "leadership": StaffMember.JobCategory.LEADER,
    "seniorleader": StaffMember.JobCategory.LEADER,
    "admin": StaffMember.JobCategory.ADMINISTRATION,
}
CONTRACT_ALIASES = {
    "ft": StaffMember.Contract.FULL_TIME,
    "full": StaffMember.Contract.FULL_TIME,
    "pt": StaffMember.Contract.PART_TIME,
    "part": StaffMember.Contract.PART_TIME,
}

EARLIEST_START_YEAR = 1900
# A roster of a very large district fits well below this; it stops a zip bomb or a runaway
# sheet from filling the memory of the web process.
MAX_ROWS = 50_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class RosterFileError(ValueError):
    """The upload cannot be read as a roster at all (wrong type, not UTF-8, empty...)."""


@dataclass(frozen=True)
class RowError:
    """One problem, where the person sees it: spreadsheet row, column name, reason."""

    row: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass(frozen=True)
class RosterFile:
    """What was read: one dict of raw text per person (with its spreadsheet row number under
    "row"), the file's own name for each known column, and any problems with the header."""

    rows: list[dict]
    columns: dict[str, str]
    errors: list[RowError]


@dataclass(frozen=True)
class RosterRow:
    """One valid person, ready to be written."""

    row: int
    email: str
    name: str
    school_id: int
    job_category: str
    contract: str
    fte: Decimal
    start_year: int | None


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).casefold())


def school_key(name: str) -> str:
    """How school names are compared: case-insensitive, runs of spaces count as one."""
    return " ".join(str(name).split()).casefold()


# --- Reading ----------------------------------------------------------------------------------
def read_roster(*, filename: str, content: bytes) -> RosterFile:
    """Read a CSV or XLSX upload into raw rows. Raises `RosterFileError` for an unreadable file."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "csv":
        table = _csv_table(content)
    elif extension == "xlsx":
        table = _xlsx_table(content)
    else:
        raise RosterFileError(
            _("“%(name)s” is not a CSV or XLSX file. Save the roster as CSV UTF-8 or as an Excel workbook (.xlsx).")
            % {"name": filename}
        )
    try:
        return _rows_from_table(table)
    except (csv.Error, zipfile.BadZipFile, KeyError, OSError) as error:
        raise RosterFileError(_("The file could not be read: it may be damaged. Save it again and retry.")) from error


def _csv_table(content: bytes) -> Iterable[list]:
    if content.startswith(b"PK\x03\x04") or b"\x00" in content[:4096]:
        raise RosterFileError(_("This file is not a CSV text file. Save the roster as CSV UTF-8, or upload it as .xlsx."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RosterFileError(
            _("The file is not UTF-8 text. In Excel, use “Save as” and choose “CSV UTF-8 (comma delimited)”.")
        ) from error
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_table(content: bytes) -> Iterable[list]:
    from openpyxl import load_workbook

    if not content.startswith(b"PK\x03\x04"):
        raise RosterFileError(
            _("This file is not an Excel workbook (.xlsx). Older .xls files must be saved again as .xlsx or CSV.")
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except (zipfile.BadZipFile, KeyError, IndexError, OSError, ValueError) as error:
        raise RosterFileError(_("The workbook could not be opened. Save it again in Excel and retry.")) from error
    return ([_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _rows_from_table(table: Iterable[list]) -> RosterFile:
    rows_iter = iter(table)
    try:
        header = next(rows_iter)
    except StopIteration as error:
        raise RosterFileError(_("The file is empty.")) from error
    if not any(str(cell).strip() for cell in header):
        raise RosterFileError(_("The first row must hold the column names (email, name, school, ...)."))

    lookup = {alias: field for field, aliases in HEADER_ALIASES.items() for alias in aliases}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            lookup.update({_key(label): field for field, label in FIELD_LABELS.items()})
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    errors: list[RowError] = []
    for index, heading in enumerate(header):
        heading = str(heading).strip()
        field = lookup.get(_key(heading))
        if field is None:
            continue
        if field in positions:
            errors.append(RowError(1, heading, _("This column appears twice: keep only one.")))
            continue
        positions[field] = index
        columns[field] = heading
    for field in FIELDS:
        columns.setdefault(field, str(FIELD_LABELS[field]))
    for field in REQUIRED_FIELDS:
        if field not in positions:
            errors.append(RowError(1, columns[field], _("This column is missing.")))

    rows: list[dict] = []
    for number, cells in enumerate(rows_iter, start=2):
        if not any(str(cell).strip() for cell in cells):
            continue  # blank lines between blocks of staff are common and harmless
        if len(rows) >= MAX_ROWS:
            raise RosterFileError(
                _("The file has more than %(max)s staff rows. Split it by school or contact support.")
                % {"max": f"{MAX_ROWS:,}"}
            )
        row = {"row": number}
        for field, index in positions.items():
            row[field] = str(cells[index]).strip() if index < len(cells) else ""
        rows.append(row)
    if not rows and not errors:
        raise RosterFileError(_("The file has column names but no staff rows."))
    return RosterFile(rows=rows, columns=columns, errors=errors)


# --- Checking -----------------------------------------------------------------------------
def _choices_lookup(choices, aliases: Mapping[str, str]) -> dict[str, str]:
    lookup = {}
    for value, label in choices:
        lookup[_key(value)] = value
        lookup[_key(label)] = value
    lookup.update({alias: str(value) for alias, value in aliases.items()})
    return lookup


def _labels_in_every_language(choices) -> list[tuple[str, str]]:
    """An export made in French or Welsh must upload again as it is."""
    labels = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            labels.extend((value, str(label)) for value, label in choices)
    return labels


def validate_rows(
    rows: list[dict], *, columns: Mapping[str, str], schools: Mapping[str, int], this_year: int
) -> tuple[list[RosterRow], list[RowError]]:
    """Check every row; return the valid people and every problem found (all of them, not just
    the first, so one upload shows the admin everything to fix).

    `schools` maps `school_key(name)` to the id of each open school of the organisation."""
    job_categories = _choices_lookup(_labels_in_every_language(StaffMember.JobCategory.choices), JOB_CATEGORY_ALIASES)
    contracts = _choices_lookup(_labels_in_every_language(StaffMember.Contract.choices), CONTRACT_ALIASES)
    name_max = StaffMember._meta.get_field("name").max_length
    email_max = StaffMember._meta.get_field("email").max_length

    valid: list[RosterRow] = []
    errors: list[RowError] = []
    first_row_of_email: dict[str, int] = {}
    for raw in rows:
        number = raw["row"]
        problems: list[tuple[int, RowError]] = []

        def problem(field: str, reason: str, _number=number, _problems=problems) -> None:
            _problems.append((FIELDS.index(field), RowError(_number, columns[field], reason)))

        for field in REQUIRED_FIELDS:
            if not raw.get(field, ""):
                problem(field, _("This cell is empty."))
        email = raw.get("email", "")
        if email:
            try:
                if len(email) > email_max:
                    raise ValidationError("too long")
                validate_email(email)
            except ValidationError:
                problem("email", _("“%(value)s” is not a valid email address.") % {"value": email})
            else:
                first = first_row_of_email.setdefault(email.lower(), number)
                if first != number:
                    problem("email", _("The same email address is already on row %(row)s.") % {"row": first})
        name = raw.get("name", "")
        if len(name) > name_max:
            problem("name", _("Names can be at most %(max)s characters long.") % {"max": name_max})
        school_id = None
        if raw.get("school"):
            school_id = schools.get(school_key(raw["school"]))
            if school_id is None:
                problem(
                    "school",
                    _("There is no school called “%(value)s” in this organisation. Add it on the Schools page or correct the name.")
                    % {"value": raw["school"]},
                )
        job_category = None
        if raw.get("job_category"):
            job_category = job_categories.get(_key(raw["job_category"]))
            if job_category is None:
                problem(
                    "job_category",
                    _("“%(value)s” is not a job category. Use one of: %(choices)s.")
                    % {"value": raw["job_category"], "choices": _label_list(StaffMember.JobCategory)},
                )
        contract = None
        if raw.get("contract"):
            contract = contracts.get(_key(raw["contract"]))
            if contract is None:
                problem(
                    "contract",
                    _("“%(value)s” is not a contract type. Use one of: %(choices)s.")
                    % {"value": raw["contract"], "choices": _label_list(StaffMember.Contract)},
                )
        fte = None
        if raw.get("fte"):
            fte = _parse_fte(raw["fte"])
            if fte is None:
                problem(
                    "fte",
                    _("“%(value)s” is not a full-time equivalent: use a number above 0 and at most 1, such as 0.6.")
                    % {"value": raw["fte"]},
                )
        start_year = None
        if raw.get("start_year"):
            start_year = _parse_year(raw["start_year"], this_year)
            if start_year is None:
                problem(
                    "start_year",
                    _("“%(value)s” is not a start year: use four digits, from %(first)s to %(last)s.")
                    % {"value": raw["start_year"], "first": EARLIEST_START_YEAR, "last": this_year},
                )
        if problems:
            errors.extend(error for _position, error in sorted(problems, key=lambda p: p[0]))
            continue
        valid.append(
            RosterRow(
                row=number,
                email=email,
                name=name,
                school_id=school_id,
                job_category=job_category,
                contract=contract,
                fte=fte,
                start_year=start_year,
            )
        )
    return valid, errors


def _label_list(choices) -> str:
    return ", ".join(str(label) for label in choices.labels)


def _parse_fte(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ".").strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or not (0 < value <= 1):
        return None
    value = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return value if value > 0 else None


def _parse_year(text: str, this_year: int) -> int | None:
    text = text.strip()
    if text.endswith(".0"):  # a year typed into a number cell and saved by some tools
        text = text[:-2]
    if not re.fullmatch(r"\d{4}", text):
        return None
    year = int(text)
    return year if EARLIEST_START_YEAR <= year <= this_year else None


# --- Writing ----------------------------------------------------------------------------------
def escape_formula(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe, so a name
    like "=HYPERLINK(...)" is shown, never evaluated (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(header: list[str], rows: Iterable[list]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens accented names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([escape_formula(str(cell)) for cell in header])
    for row in rows:
        writer.writerow(["" if cell is None else escape_formula(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(header: list[str], rows: Iterable[list], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])

    def cells(values):
        out = []
        for value in values:
            if isinstance(value, Decimal):
                value = float(value)
            cell = WriteOnlyCell(sheet, value=escape_formula(value))
            if isinstance(value, str):
                # openpyxl would store any text starting with "=" as a formula: say it is text.
                cell.data_type = "s"
            out.append(cell)
        return out

    sheet.append(cells([str(cell) for cell in header]))
    for row in rows:
        sheet.append(cells(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
