"""The instrument import/export format (docs/instrument-format.md): JSON with everything, CSV
with one row per item. Reading returns a checked *definition* (plain dicts) or raises
`InstrumentFormatError` naming each bad row and field; writing turns a definition into text.
No database here: services write definitions, selectors read them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wellbeing.tenancy.areas import WellbeingArea
from wellbeing.tenancy.roster import escape_formula

from .models.instruments import PREFER_NOT_TO_SAY, Scale

FORMAT_NAME = "staffwell-instrument"
FORMAT_VERSION = 1
LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
CSV_REQUIRED = (
    "number",
    "domain_code",
    "domain_name",
    "text_en",
    "scale",
    "reverse_scored",
    "allows_not_applicable",
)
CSV_OPTIONAL = ("text_fr", "text_cy", "item_code", "domain_name_fr", "domain_name_cy")
CSV_COLUMNS = (
    "number",
    "domain_code",
    "domain_name",
    "text_en",
    "text_fr",
    "text_cy",
    "scale",
    "reverse_scored",
    "allows_not_applicable",
    "item_code",
    "domain_name_fr",
    "domain_name_cy",
)
MAX_TEXT = 500
TRUE_WORDS = {"yes", "y", "true", "1", "oui", "ie"}
FALSE_WORDS = {"no", "n", "false", "0", "non", "na", ""}
CODE = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")
PREFER_NOT_TO_SAY_TEXT = {"en": "Prefer not to say", "fr": "Je préfère ne pas répondre", "cy": "Mae'n well gennyf beidio â dweud"}


@dataclass(frozen=True)
class Problem:
    where: str  # "row 4" in a CSV file (spreadsheet numbering), "items[3]" in JSON
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}, {self.field}: {self.message}"


class InstrumentFormatError(ValidationError):
    """The file is not a valid instrument; `problems` lists every bad row and field."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__([str(problem) for problem in self.problems], code="invalid_instrument")


class _Checker:
    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, where: str, field: str, message: str) -> None:
        self.problems.append(Problem(where, field, message))

    def code(self, where: str, field: str, value) -> str:
        text = str(value if value is not None else "").strip()
        if not CODE.match(text):
            self.add(where, field, _("must be 1 to 60 letters, digits, '-' or '_' (got %(value)r)") % {"value": text})
        return text

    def texts(self, where: str, field: str, value, *, required: bool = True) -> dict[str, str]:
        if value is None and not required:
            return {}
        if isinstance(value, str):
            value = {"en": value}
        if not isinstance(value, dict):
            self.add(where, field, _("must be an object of texts by language, e.g. {\"en\": \"...\"}"))
            return {}
        texts = {}
        for language, text in value.items():
            if language not in LANGUAGE_CODES:
                self.add(where, field, _("unknown language %(language)r (use %(codes)s)") % {"language": language, "codes": ", ".join(LANGUAGE_CODES)})
                continue
            if not isinstance(text, str):
                self.add(where, f"{field}.{language}", _("must be text"))
                continue
            text = text.strip()
            if len(text) > MAX_TEXT:
                self.add(where, f"{field}.{language}", _("is longer than %(max)d characters") % {"max": MAX_TEXT})
            if text:
                texts[language] = text
        if required and "en" not in texts:
            self.add(where, f"{field}.en", _("the English text is required"))
        return texts

    def boolean(self, where: str, field: str, value) -> bool:
        if isinstance(value, bool):
            return value
        word = str(value if value is not None else "").strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        self.add(where, field, _("must be yes or no (got %(value)r)") % {"value": value})
        return False

    def choice(self, where: str, field: str, value, choices) -> str:
        text = str(value if value is not None else "").strip().lower()
        if text not in choices:
            self.add(where, field, _("must be one of %(choices)s (got %(value)r)") % {"choices": ", ".join(choices), "value": value})
        return text

    def positive_int(self, where: str, field: str, value) -> int:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            number = 0
        if number < 1 or number > 32767:
            self.add(where, field, _("must be a whole number from 1 (got %(value)r)") % {"value": value})
        return number


def _languages_of(definition: dict) -> list[str]:
    """The languages in which every text of the instrument exists."""
    # The instrument's own name is for leads and may be in one language only; staff read the rest.
    texts = [domain["name"] for domain in definition["domains"]]
    texts += [item["text"] for item in definition["items"]]
    texts += [question["text"] for question in definition["comment_questions"]]
    return [code for code in LANGUAGE_CODES if all(code in text for text in texts)]


def _check_items(check: _Checker, definition: dict, where_of) -> None:
    domain_codes = {domain["code"] for domain in definition["domains"]}
    numbers, codes = {}, {}
    for index, item in enumerate(definition["items"]):
        where = where_of(index)
        if item["domain"] not in domain_codes:
            check.add(where, "domain", _("unknown domain %(code)r") % {"code": item["domain"]})
        if item["number"] in numbers:
            check.add(where, "number", _("number %(number)s is already used by %(other)s") % {"number": item["number"], "other": numbers[item["number"]]})
        elif item["code"] in codes:
            check.add(where, "code", _("code %(code)r is already used by %(other)s") % {"code": item["code"], "other": codes[item["code"]]})
        numbers.setdefault(item["number"], where)
        codes.setdefault(item["code"], where)
    if not definition["items"]:
        check.add("file", "items", _("an instrument needs at least one item"))


# --- JSON ---------------------------------------------------------------------------------------
def read_json(source) -> dict:
    """A checked definition from JSON text, bytes or an already-parsed object."""
    check = _Checker()
    if isinstance(source, bytes):
        source = source.decode("utf-8-sig")
    if isinstance(source, str):
        try:
            data = json.loads(source)
        except json.JSONDecodeError as error:
            raise InstrumentFormatError([Problem(f"line {error.lineno}", "json", error.msg)]) from error
    else:
        data = source
    if not isinstance(data, dict):
        raise InstrumentFormatError([Problem("file", "json", _("must be a JSON object"))])
    if data.get("format") != FORMAT_NAME:
        check.add("file", "format", _("must be %(name)r") % {"name": FORMAT_NAME})
    if data.get("format_version") != FORMAT_VERSION:
        check.add("file", "format_version", _("must be %(version)d") % {"version": FORMAT_VERSION})

    definition = {
        "code": check.code("file", "code", data.get("code")),
        "version": check.positive_int("file", "version", data.get("version", 1)),
        "name": check.texts("file", "name", data.get("name")),
        "description": check.texts("file", "description", data.get("description"), required=False),
        "domains": [],
        "items": [],
        "comment_questions": [],
        "demographic_questions": [],
    }
    sections = {}
    for section in ("domains", "items", "comment_questions", "demographic_questions"):
        value = data.get(section, [])
        if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
            check.add("file", section, _("must be a list of objects"))
            value = []
        sections[section] = value

    seen = set()
    for index, raw in enumerate(sections["domains"]):
        where = f"domains[{index}]"
        code = check.code(where, "code", raw.get("code"))
        if code in seen:
            check.add(where, "code", _("domain %(code)r appears twice") % {"code": code})
        seen.add(code)
        area = str(raw.get("area") or "")
        if area and area not in WellbeingArea.values:
            check.add(where, "area", _("must be one of %(areas)s or empty") % {"areas": ", ".join(WellbeingArea.values)})
        definition["domains"].append({
            "code": code,
            "name": check.texts(where, "name", raw.get("name")),
            "area": area,
            "is_outcome": check.boolean(where, "is_outcome", raw.get("is_outcome", False)),
        })

    for index, raw in enumerate(sections["items"]):
        where = f"items[{index}]"
        number = check.positive_int(where, "number", raw.get("number"))
        definition["items"].append({
            "number": number,
            "code": check.code(where, "code", raw.get("code", number)),
            "domain": str(raw.get("domain") or ""),
            "text": check.texts(where, "text", raw.get("text")),
            "scale": check.choice(where, "scale", raw.get("scale", Scale.AGREEMENT), Scale.values),
            "reverse_scored": check.boolean(where, "reverse_scored", raw.get("reverse_scored", False)),
            "allows_not_applicable": check.boolean(where, "allows_not_applicable", raw.get("allows_not_applicable", False)),
        })
    _check_items(check, definition, lambda index: f"items[{index}]")

    seen = set()
    for index, raw in enumerate(sections["comment_questions"]):
        where = f"comment_questions[{index}]"
        code = check.code(where, "code", raw.get("code"))
        if code in seen:
            check.add(where, "code", _("comment question %(code)r appears twice") % {"code": code})
        seen.add(code)
        definition["comment_questions"].append({"code": code, "text": check.texts(where, "text", raw.get("text"))})

    seen = set()
    for index, raw in enumerate(sections["demographic_questions"]):
        where = f"demographic_questions[{index}]"
        code = check.code(where, "code", raw.get("code"))
        if code in seen:
            check.add(where, "code", _("demographic question %(code)r appears twice") % {"code": code})
        seen.add(code)
        options, option_codes = [], set()
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or not raw_options:
            check.add(where, "options", _("must be a non-empty list of coded options"))
            raw_options = []
        for position, option in enumerate(raw_options):
            option_where = f"{where}.options[{position}]"
            if not isinstance(option, dict):
                check.add(option_where, "option", _("must be an object with code and text"))
                continue
            option_code = check.code(option_where, "code", option.get("code"))
            if option_code in option_codes:
                check.add(option_where, "code", _("option %(code)r appears twice") % {"code": option_code})
            option_codes.add(option_code)
            options.append({"code": option_code, "text": check.texts(option_where, "text", option.get("text"))})
        # "Prefer not to say" is always offered, always last, always under its own code.
        if PREFER_NOT_TO_SAY not in option_codes:
            options.append({"code": PREFER_NOT_TO_SAY, "text": dict(PREFER_NOT_TO_SAY_TEXT)})
        else:
            options.sort(key=lambda option: option["code"] == PREFER_NOT_TO_SAY)
        definition["demographic_questions"].append({
            "code": code, "text": check.texts(where, "text", raw.get("text")), "options": options,
        })

    if check.problems:
        raise InstrumentFormatError(check.problems)
    definition["languages"] = _languages_of(definition)
    return definition


def write_json(definition: dict) -> str:
    document = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION}
    document.update({key: definition[key] for key in (
        "code", "version", "name", "description", "languages",
        "domains", "items", "comment_questions", "demographic_questions",
    )})
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- CSV ----------------------------------------------------------------------------------------
def _unescape_formula(text: str) -> str:
    # What write_csv escaped with an apostrophe comes back as it was.
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return text[1:]
    return text


def read_csv(source, *, code: str, name) -> dict:
    """A checked definition from CSV (text or bytes; comma or semicolon separated).

    Row numbers in errors are those a spreadsheet shows: the header is row 1."""
    check = _Checker()
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InstrumentFormatError([Problem("file", "encoding", _("must be UTF-8 text"))]) from error
    source = source.lstrip("\ufeff")
    try:
        # Spreadsheets in French locales save with semicolons; quoting stays Excel's.
        delimiter = csv.Sniffer().sniff(source.split("\n", 1)[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(source), dialect=csv.excel, delimiter=delimiter)
    header = [column.strip().lower() for column in (reader.fieldnames or [])]
    missing = [column for column in CSV_REQUIRED if column not in header]
    if missing:
        raise InstrumentFormatError([Problem("row 1", column, _("this column is missing")) for column in missing])
    reader.fieldnames = header

    definition = {
        "code": check.code("file", "code", code),
        "version": 1,
        "name": check.texts("file", "name", name),
        "description": {},
        "domains": [],
        "items": [],
        "comment_questions": [],
        "demographic_questions": [],
    }
    domains: dict[str, dict] = {}
    rows = []
    for number, row in enumerate(reader, start=2):
        cells = {key: _unescape_formula((value or "").strip()) for key, value in row.items() if key}
        if not any(cells.values()):
            continue
        where = f"row {number}"
        rows.append(where)
        domain_code = check.code(where, "domain_code", cells.get("domain_code"))
        if not cells.get("domain_name"):
            check.add(where, "domain_name", _("the domain's English name is required"))
        domain_name = check.texts(where, "domain_name", {
            "en": cells.get("domain_name", ""),
            "fr": cells.get("domain_name_fr", ""),
            "cy": cells.get("domain_name_cy", ""),
        }, required=False)
        known = domains.get(domain_code)
        if known is None:
            domains[domain_code] = {"code": domain_code, "name": domain_name, "area": "", "is_outcome": False}
        elif domain_name.get("en") and known["name"].get("en") != domain_name.get("en"):
            check.add(where, "domain_name", _("domain %(code)r is called %(name)r on an earlier row") % {"code": domain_code, "name": known["name"].get("en")})
        if not cells.get("text_en"):
            check.add(where, "text_en", _("the English text is required"))
        item_number = check.positive_int(where, "number", cells.get("number"))
        definition["items"].append({
            "number": item_number,
            "code": check.code(where, "item_code", cells.get("item_code") or item_number),
            "domain": domain_code,
            "text": check.texts(where, "text", {
                "en": cells.get("text_en", ""), "fr": cells.get("text_fr", ""), "cy": cells.get("text_cy", ""),
            }, required=False),
            "scale": check.choice(where, "scale", cells.get("scale"), Scale.values),
            "reverse_scored": check.boolean(where, "reverse_scored", cells.get("reverse_scored")),
            "allows_not_applicable": check.boolean(where, "allows_not_applicable", cells.get("allows_not_applicable")),
        })
    definition["domains"] = list(domains.values())
    _check_items(check, definition, lambda index: rows[index])
    if check.problems:
        raise InstrumentFormatError(check.problems)
    definition["languages"] = _languages_of(definition)
    return definition


def write_csv(definition: dict) -> str:
    domains = {domain["code"]: domain for domain in definition["domains"]}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in definition["items"]:
        domain = domains[item["domain"]]
        row = [
            item["number"],
            item["domain"],
            domain["name"].get("en", ""),
            item["text"].get("en", ""),
            item["text"].get("fr", ""),
            item["text"].get("cy", ""),
            item["scale"],
            "yes" if item["reverse_scored"] else "no",
            "yes" if item["allows_not_applicable"] else "no",
            item["code"],
            domain["name"].get("fr", ""),
            domain["name"].get("cy", ""),
        ]
        writer.writerow([escape_formula(cell) for cell in row])
    return buffer.getvalue()
