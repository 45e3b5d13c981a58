"""Writing instruments: the built-in ones, imports, an organisation's own versions and items."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wellbeing.tenancy.context import platform_scope
from wellbeing.tenancy.models import Organisation

from .. import instrument_format
from ..models import (
    CommentQuestion,
    DemographicQuestion,
    Domain,
    Instrument,
    InstrumentLocked,
    Item,
    Scale,
)
from ..selectors import instrument_definition

BUILTIN_DIRECTORY = Path(__file__).resolve().parents[1] / "instruments"
BUILTIN_FILES = ("staffwell_core.json",)
FORMATS = ("json", "csv")


def _write_definition(
    definition: dict, *, organisation_id: int | None, version: int, using: str = "default",
    derived_from: Instrument | None = None,
) -> Instrument:
    """Create a draft instrument version with its domains, items and comment questions."""
    instrument = Instrument(
        organisation_id=organisation_id,
        code=definition["code"],
        version=version,
        name=definition["name"],
        description=definition.get("description") or {},
        languages=definition["languages"],
        derived_from=derived_from,
    )
    instrument.save(using=using)
    domains = Domain.objects.db_manager(using).bulk_create(
        Domain(
            organisation_id=organisation_id,
            instrument=instrument,
            code=domain["code"],
            name=domain["name"],
            area=domain.get("area", ""),
            is_outcome=domain.get("is_outcome", False),
            order=order,
        )
        for order, domain in enumerate(definition["domains"])
    )
    domain_by_code = {domain.code: domain for domain in domains}
    Item.objects.db_manager(using).bulk_create(
        Item(
            organisation_id=organisation_id,
            instrument=instrument,
            domain=domain_by_code[item["domain"]],
            number=item["number"],
            code=item["code"],
            text=item["text"],
            scale=item["scale"],
            reverse_scored=item["reverse_scored"],
            allows_not_applicable=item["allows_not_applicable"],
            order=order,
        )
        for order, item in enumerate(definition["items"])
    )
    CommentQuestion.objects.db_manager(using).bulk_create(
        CommentQuestion(
            organisation_id=organisation_id, instrument=instrument, code=question["code"],
            text=question["text"], order=order,
        )
        for order, question in enumerate(definition["comment_questions"])
    )
    return instrument


def _write_demographic_questions(definition: dict, *, organisation_id: int | None, using: str) -> None:
    """Add the file's demographic questions that the catalog lacks (existing codes are kept:
    answers already stored refer to their option codes)."""
    existing = set(
        DemographicQuestion.objects.db_manager(using)
        .filter(organisation_id=organisation_id)
        .values_list("code", flat=True)
    )
    DemographicQuestion.objects.db_manager(using).bulk_create(
        DemographicQuestion(
            organisation_id=organisation_id, code=question["code"], text=question["text"],
            options=question["options"], order=order,
        )
        for order, question in enumerate(definition["demographic_questions"])
        if question["code"] not in existing
    )


def _publish(instrument: Instrument, *, using: str = "default") -> Instrument:
    instrument.status = Instrument.Status.PUBLISHED
    instrument.published_at = timezone.now()
    instrument.save(using=using)
    return instrument


def instrument_load_builtin(*, using: str = "default") -> list[Instrument]:
    """Make sure the instruments shipped in surveys/instruments/ exist, published, for everyone.

    Idempotent: a version already loaded is left alone (it is published, so it cannot change);
    a new version of a built-in instrument ships as a new file version and is added beside it.
    Runs after every `migrate` (surveys.signals) and may be called again at any time."""
    loaded = []
    with platform_scope(using=using):
        for filename in BUILTIN_FILES:
            definition = instrument_format.read_json((BUILTIN_DIRECTORY / filename).read_bytes())
            _write_demographic_questions(definition, organisation_id=None, using=using)
            instrument = (
                Instrument.objects.db_manager(using)
                .filter(organisation__isnull=True, code=definition["code"], version=definition["version"])
                .first()
            )
            if instrument is None:
                instrument = _write_definition(
                    definition, organisation_id=None, version=definition["version"], using=using
                )
                _publish(instrument, using=using)
            loaded.append(instrument)
    return loaded


def _next_version(*, organisation: Organisation, code: str) -> int:
    latest = Instrument.objects.filter(organisation=organisation, code=code).aggregate(latest=Max("version"))
    return (latest["latest"] or 0) + 1


def instrument_import(
    *, organisation: Organisation, data=None, file=None, format: str = "json",
    code: str | None = None, name: str | None = None,
) -> Instrument:
    """Load an instrument file the organisation holds the rights to, as a new draft version.

    `data` is the file's text or bytes (or a parsed JSON object), `file` an uploaded file.
    CSV files carry items only: `code` and `name` name the instrument. Raises
    `InstrumentFormatError` listing every bad row and field; nothing is written then."""
    if format not in FORMATS:
        raise ValidationError(_("Choose JSON or CSV."), code="format")
    if file is not None:
        data = file.read()
    if data is None:
        raise ValidationError(_("Choose a file to import."), code="no_file")
    if format == "csv":
        definition = instrument_format.read_csv(data, code=code or "", name=name or "")
    else:
        definition = instrument_format.read_json(data)
        if code:
            definition["code"] = code
        if name:
            definition["name"] = {**definition["name"], "en": name}
    with transaction.atomic():
        instrument = _write_definition(
            definition,
            organisation_id=organisation.pk,
            version=_next_version(organisation=organisation, code=definition["code"]),
        )
        _write_demographic_questions(definition, organisation_id=organisation.pk, using="default")
    return instrument


def instrument_export(*, instrument: Instrument, format: str = "json") -> str:
    """The instrument as text in the documented format (JSON: everything; CSV: the items)."""
    if format not in FORMATS:
        raise ValidationError(_("Choose JSON or CSV."), code="format")
    definition = instrument_definition(instrument=instrument)
    if format == "csv":
        return instrument_format.write_csv(definition)
    return instrument_format.write_json(definition)


def _own_draft(instrument: Instrument, organisation: Organisation) -> None:
    if instrument.organisation_id != organisation.pk:
        raise ValidationError(
            _("Built-in instruments cannot be changed: make your own version of it first."),
            code="builtin_instrument",
        )
    if instrument.is_published:
        raise InstrumentLocked()


def instrument_new_version(*, organisation: Organisation, source: Instrument) -> Instrument:
    """A draft copy of an instrument (built-in or the organisation's own) that the organisation
    can extend with its own items before publishing it."""
    with transaction.atomic():
        return _write_definition(
            instrument_definition(instrument=source),
            organisation_id=organisation.pk,
            version=_next_version(organisation=organisation, code=source.code),
            derived_from=source,
        )


def instrument_add_item(
    *, organisation: Organisation, instrument: Instrument, domain_code: str, text: dict | str,
    scale: str = Scale.AGREEMENT, reverse_scored: bool = False, allows_not_applicable: bool = False,
    code: str | None = None, domain_name: dict | str | None = None,
) -> Item:
    """Add a custom item to the organisation's own draft version, in an existing domain or in a
    new one (give `domain_name`). Published and built-in versions refuse."""
    _own_draft(instrument, organisation)
    definition = instrument_definition(instrument=instrument)
    number = max((item["number"] for item in definition["items"]), default=0) + 1
    raw_item = {
        "number": number, "code": code or f"custom-{number}", "domain": domain_code, "text": text,
        "scale": scale, "reverse_scored": reverse_scored, "allows_not_applicable": allows_not_applicable,
    }
    raw = {
        "format": instrument_format.FORMAT_NAME,
        "format_version": instrument_format.FORMAT_VERSION,
        **definition,
        "items": [*definition["items"], raw_item],
    }
    if domain_name is not None and domain_code not in {d["code"] for d in definition["domains"]}:
        raw["domains"] = [*definition["domains"], {"code": domain_code, "name": domain_name}]
    checked = instrument_format.read_json(raw)  # the same checks as an imported file
    new_item = checked["items"][-1]
    with transaction.atomic():
        domain = Domain.objects.filter(instrument=instrument, code=domain_code).first()
        if domain is None:
            new_domain = checked["domains"][-1]
            domain = Domain.objects.create(
                organisation=organisation, instrument=instrument, code=new_domain["code"],
                name=new_domain["name"], order=len(checked["domains"]) - 1,
            )
        item = Item.objects.create(
            organisation=organisation, instrument=instrument, domain=domain,
            number=new_item["number"], code=new_item["code"], text=new_item["text"],
            scale=new_item["scale"], reverse_scored=new_item["reverse_scored"],
            allows_not_applicable=new_item["allows_not_applicable"], order=len(checked["items"]) - 1,
        )
        instrument.languages = checked["languages"]
        instrument.save(update_fields=["languages"])
    return item


def instrument_publish(*, organisation: Organisation, instrument: Instrument) -> Instrument:
    """Freeze the organisation's draft version so surveys can use it. It never changes again."""
    _own_draft(instrument, organisation)
    if not Item.objects.filter(instrument=instrument).exists():
        raise ValidationError(_("Add at least one item before publishing."), code="no_items")
    with transaction.atomic():
        return _publish(instrument)
