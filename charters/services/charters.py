"""Writing the charter: adopt a template or start from scratch, edit a draft, publish it.

Every service runs in one transaction in the caller's organisation scope and raises
`ValidationError` (or `CharterVersionLocked`, one of them) with a message for the lead.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.models import Instrument, Item
from wellbeing.tenancy.areas import WellbeingArea
from wellbeing.tenancy.models import Organisation

from ..charter_templates import charter_template
from ..models import Charter, CharterVersion, CharterVersionLocked, Commitment, CommitmentItem

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
BUILTIN_SURVEY = "staffwell-core"
MAX_STATEMENT = 600
MAX_DETAIL = 600


def _language_names(codes: Iterable[str]) -> str:
    names = dict(settings.LANGUAGES)
    return ", ".join(str(names.get(code, code)) for code in codes)


def _check_languages(languages: Sequence[str], offered: Sequence[str] = LANGUAGE_CODES) -> list[str]:
    languages = [code for code in LANGUAGE_CODES if code in set(languages)]
    if not languages:
        raise ValidationError({"languages": _("Choose at least one language.")})
    missing = [code for code in languages if code not in offered]
    if missing:
        raise ValidationError(
            {"languages": _("This template is not written in %(languages)s.") % {"languages": _language_names(missing)}}
        )
    return languages


def _only(texts: dict | None, languages: Sequence[str], *, paragraphs: bool = False) -> dict:
    """The texts in `languages` only, trimmed; one line each unless `paragraphs`."""
    texts = texts or {}
    cleaned = {}
    for code in languages:
        text = str(texts.get(code) or "")
        if paragraphs:
            text = "\n\n".join(" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip())
        else:
            text = " ".join(text.split())
        if text:
            cleaned[code] = text
    return cleaned


def _require_draft(version: CharterVersion) -> CharterVersion:
    """The version as stored now, locked for this transaction; refused unless still a draft."""
    version = CharterVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_draft:
        raise CharterVersionLocked()
    return version


def _new_key() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"


def _builtin_items(codes: Iterable[str]) -> list[Item]:
    """Items of the newest published built-in survey with these codes (those that exist)."""
    codes = list(codes)
    if not codes:
        return []
    instrument = (
        Instrument.objects.filter(organisation__isnull=True, code=BUILTIN_SURVEY, status=Instrument.Status.PUBLISHED)
        .order_by("-version")
        .first()
    )
    if instrument is None:
        return []
    by_code = {item.code: item for item in Item.objects.filter(instrument=instrument, code__in=codes)}
    return [by_code[code] for code in codes if code in by_code]


def _link_items(commitment: Commitment, items: Iterable[Item]) -> None:
    CommitmentItem.objects.bulk_create(
        CommitmentItem(
            organisation_id=commitment.organisation_id, commitment=commitment, version_id=commitment.version_id, item=item
        )
        for item in {item.pk: item for item in items}.values()
    )


@transaction.atomic
def charter_adopt(*, organisation: Organisation, template_code: str, languages: Sequence[str], by=None) -> CharterVersion:
    """Adopt one of Staffwell's charter templates: the organisation gets a draft version 1 of its
    own charter, in the chosen languages, to edit and then publish."""
    template = charter_template(template_code)
    if template is None:
        raise ValidationError({"template": _("Choose one of the charter templates.")})
    languages = _check_languages(languages, template.languages)
    if Charter.objects.exists():
        raise ValidationError(_("Your organisation already has a charter. Start a new version of it instead."))
    charter = Charter.objects.create(
        organisation=organisation,
        title=_only(template.title, languages),
        intro=_only(template.intro, languages, paragraphs=True),
        template=template.code,
        languages=languages,
    )
    version = CharterVersion.objects.create(
        organisation=organisation, charter=charter, number=1, title=charter.title, intro=charter.intro
    )
    for order, spec in enumerate(template.commitments):
        commitment = Commitment.objects.create(
            organisation=organisation,
            version=version,
            key=spec["key"],
            area=WellbeingArea(spec["area"]),
            pledged_by=spec.get("pledged_by", ""),
            statement=_only(spec["statement"], languages),
            responsible=_only(spec.get("responsible"), languages),
            evidence=_only(spec.get("evidence"), languages),
            order=order,
        )
        _link_items(commitment, _builtin_items(spec.get("measured_by", ())))
    return version


def _check_texts(field: str, texts: dict, languages: Sequence[str], *, required: bool, limit: int,
                 paragraphs: bool = False) -> dict:
    """Texts in the charter's languages: all of them when required, none longer than `limit`."""
    cleaned = _only(texts, languages, paragraphs=paragraphs)
    errors = {}
    for code in languages:
        if required and not cleaned.get(code):
            errors[f"{field}_{code}"] = _("Write this in %(language)s.") % {"language": _language_names([code])}
        elif len(cleaned.get(code, "")) > limit:
            errors[f"{field}_{code}"] = _("Keep this to %(limit)d characters.") % {"limit": limit}
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def charter_create(*, organisation: Organisation, title: dict, intro: dict, languages: Sequence[str], by=None) -> CharterVersion:
    """Write a charter from scratch: an empty draft version 1 to add commitments to."""
    languages = _check_languages(languages)
    title = _check_texts("title", title, languages, required=True, limit=200)
    intro = _check_texts("intro", intro, languages, required=False, limit=4000, paragraphs=True)
    if Charter.objects.exists():
        raise ValidationError(_("Your organisation already has a charter. Start a new version of it instead."))
    charter = Charter.objects.create(organisation=organisation, title=title, intro=intro, languages=languages)
    return CharterVersion.objects.create(organisation=organisation, charter=charter, number=1, title=title, intro=intro)


@transaction.atomic
def charter_version_update(*, version: CharterVersion, title: dict, intro: dict) -> CharterVersion:
    """Change a draft's title and introduction."""
    version = _require_draft(version)
    languages = version.charter.languages
    version.title = _check_texts("title", title, languages, required=True, limit=200)
    version.intro = _check_texts("intro", intro, languages, required=False, limit=4000, paragraphs=True)
    version.save(update_fields=["title", "intro"])
    return version


@transaction.atomic
def charter_version_new_draft(*, charter: Charter, by=None) -> CharterVersion:
    """A new draft version, a copy of the latest published one (same commitments, same keys),
    to change and publish in its place. Ratings follow only the commitments left unchanged."""
    Charter.objects.select_for_update().get(pk=charter.pk)
    if CharterVersion.objects.filter(charter=charter, status=CharterVersion.Status.DRAFT).exists():
        raise ValidationError(_("There is already a draft version: change that one."))
    source = (
        CharterVersion.objects.filter(charter=charter, status=CharterVersion.Status.PUBLISHED).order_by("-number").first()
    )
    if source is None:
        raise ValidationError(_("Publish the first version before starting another."))
    number = (CharterVersion.objects.filter(charter=charter).aggregate(n=Max("number"))["n"] or 0) + 1
    draft = CharterVersion.objects.create(
        organisation_id=charter.organisation_id, charter=charter, number=number, title=source.title, intro=source.intro
    )
    for old in Commitment.objects.filter(version=source).prefetch_related("item_links"):
        new = Commitment.objects.create(
            organisation_id=charter.organisation_id, version=draft, key=old.key, area=old.area,
            pledged_by=old.pledged_by, statement=old.statement, responsible=old.responsible,
            evidence=old.evidence, order=old.order,
        )
        _link_items(new, [link.item for link in old.item_links.select_related("item")])
    return draft


@transaction.atomic
def charter_version_discard(*, version: CharterVersion) -> None:
    """Throw a draft away (a published version cannot be)."""
    version = _require_draft(version)
    version.delete()


def _check_commitment(*, version: CharterVersion, area: str, pledged_by: str, statement: dict,
                      responsible: dict, evidence: dict) -> dict:
    languages = version.charter.languages
    errors = {}
    if area not in WellbeingArea.values:
        errors["area"] = _("Choose the wellbeing area this commitment belongs to.")
    if pledged_by not in Commitment.PledgedBy.values:
        errors["pledged_by"] = _("Choose who makes this commitment.")
    checked = {}
    for field, texts, required, limit in (
        ("statement", statement, True, MAX_STATEMENT),
        ("responsible", responsible, False, MAX_DETAIL),
        ("evidence", evidence, False, MAX_DETAIL),
    ):
        try:
            checked[field] = _check_texts(field, texts, languages, required=required, limit=limit)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return checked


@transaction.atomic
def commitment_add(*, version: CharterVersion, area: str, pledged_by: str = "", statement: dict,
                   responsible: dict, evidence: dict, items: Iterable[Item] = ()) -> Commitment:
    """Add a commitment at the end of a draft version."""
    version = _require_draft(version)
    texts = _check_commitment(version=version, area=area, pledged_by=pledged_by, statement=statement,
                              responsible=responsible, evidence=evidence)
    order = (Commitment.objects.filter(version=version).aggregate(n=Max("order"))["n"] or 0) + 1
    commitment = Commitment.objects.create(
        organisation_id=version.organisation_id, version=version, key=_new_key(), area=area,
        pledged_by=pledged_by, order=order, **texts,
    )
    _link_items(commitment, items)
    return commitment


@transaction.atomic
def commitment_update(*, commitment: Commitment, area: str, pledged_by: str = "", statement: dict,
                      responsible: dict, evidence: dict, items: Iterable[Item] = ()) -> Commitment:
    """Change a draft's commitment. Its key stays: if the statement is unchanged, ratings still
    carry forward to this version; if it changes, the next review rates it afresh."""
    version = _require_draft(commitment.version)
    commitment = Commitment.objects.get(pk=commitment.pk)
    texts = _check_commitment(version=version, area=area, pledged_by=pledged_by, statement=statement,
                              responsible=responsible, evidence=evidence)
    commitment.area = area
    commitment.pledged_by = pledged_by
    for field, value in texts.items():
        setattr(commitment, field, value)
    commitment.save()
    CommitmentItem.objects.filter(commitment=commitment).delete()
    _link_items(commitment, items)
    return commitment


@transaction.atomic
def commitment_remove(*, commitment: Commitment) -> None:
    _require_draft(commitment.version)
    CommitmentItem.objects.filter(commitment=commitment).delete()
    commitment.delete()


@transaction.atomic
def commitment_move(*, commitment: Commitment, up: bool) -> None:
    """Swap a commitment with its neighbour above (or below) in its group of the draft (the
    group the charter is shown in: who makes it for a pledge, else its area)."""
    version = _require_draft(commitment.version)
    ordered = list(Commitment.objects.filter(version=version).order_by("order", "id"))
    commitment = next(c for c in ordered if c.pk == commitment.pk)
    pledge = any(c.pledged_by for c in ordered)

    def group(c: Commitment) -> str:
        return c.pledged_by if pledge else c.area

    index = ordered.index(commitment)
    step = -1 if up else 1
    other = index + step
    while 0 <= other < len(ordered) and group(ordered[other]) != group(commitment):
        other += step
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for order, item in enumerate(ordered):
        if item.order != order:
            item.order = order
            item.save(update_fields=["order"])


@transaction.atomic
def charter_version_publish(*, version: CharterVersion, by=None, today: datetime.date | None = None) -> CharterVersion:
    """Publish a draft: staff see it from now on, and it can never change again. Review
    periods opened from now on assess this version."""
    version = _require_draft(version)
    charter = Charter.objects.select_for_update().get(pk=version.charter_id)
    commitments = list(Commitment.objects.filter(version=version))
    if not commitments:
        raise ValidationError(_("Add at least one commitment before publishing."))
    for code in charter.languages:
        if not version.title.get(code):
            raise ValidationError(
                _("Give the charter a title in %(language)s before publishing.") % {"language": _language_names([code])}
            )
        untranslated = sum(1 for c in commitments if not c.statement.get(code))
        if untranslated:
            raise ValidationError(
                _("%(count)d commitments have no text in %(language)s yet.")
                % {"count": untranslated, "language": _language_names([code])}
            )
    version.status = CharterVersion.Status.PUBLISHED
    version.published_on = today or timezone.localdate()
    version.published_by = by
    version.save()
    charter.title = version.title
    charter.intro = version.intro
    charter.save(update_fields=["title", "intro"])
    return version
