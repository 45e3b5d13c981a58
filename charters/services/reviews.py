"""Self-assessment: open a review period, rate commitments with evidence, sign reviews off,
remind the leads whose reviews are due.

Every service runs in one transaction in the caller's organisation scope and raises
`ValidationError` with a message for the lead. Nothing is half-saved: a rating with a refused
file is not saved either, and no file is left on disk for a rating that was not saved.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wellbeing.tenancy.models import Membership, Organisation, Role, School

from ..evidence import check_evidence_file
from ..models import (
    Charter,
    CharterVersion,
    Commitment,
    EvidenceFile,
    EvidenceLink,
    Rating,
    Review,
    ReviewPeriod,
    ReviewSignedOff,
)

logger = logging.getLogger(__name__)

MAX_NARRATIVE = 5000
MAX_LINKS_PER_RATING = 20
MAX_FILES_PER_RATING = 20
# Reminder stages: (name, days before the due date from which it is sent). Each goes out once.
REMINDER_STAGES = (("overdue", -1), ("due_1", 1), ("due_7", 7))


# --- Review periods ----------------------------------------------------------------------------
def _previous_review(*, school_id: int | None, before: ReviewPeriod) -> Review | None:
    """The same scope's review in the latest earlier period."""
    return (
        Review.objects.filter(school_id=school_id, period__opens_on__lte=before.opens_on)
        .exclude(period=before)
        .select_related("period")
        .order_by("-period__opens_on", "-period_id")
        .first()
    )


def _copy_file(source: EvidenceFile, *, rating: Rating, stored: list[str]) -> None:
    copy = EvidenceFile(
        organisation_id=rating.organisation_id, rating=rating, review_id=rating.review_id,
        original_name=source.original_name, content_type=source.content_type, size=source.size,
        uploaded_by_id=source.uploaded_by_id,
    )
    try:
        with source.file.open("rb") as handle:
            copy.file.save(source.original_name, ContentFile(handle.read()), save=False)
    except FileNotFoundError:
        logger.warning("Evidence file %s is missing from storage; not carried forward", source.pk)
        return
    stored.append(copy.file.name)
    copy.save()


def _carry_forward(*, review: Review, version: CharterVersion, stored: list[str]) -> int:
    """Copy the previous review's ratings of commitments that are unchanged in `version` (same
    key, same statement): a promise reworded is a new promise and is rated afresh."""
    previous = _previous_review(school_id=review.school_id, before=review.period)
    if previous is None:
        return 0
    earlier = {
        (rating.commitment.key, _statement_signature(rating.commitment.statement)): rating
        for rating in Rating.objects.filter(review=previous).select_related("commitment")
        .prefetch_related("links", "files")
    }
    carried = 0
    for commitment in Commitment.objects.filter(version=version):
        old = earlier.get((commitment.key, _statement_signature(commitment.statement)))
        if old is None:
            continue
        rating = Rating.objects.create(
            organisation_id=review.organisation_id, review=review, commitment=commitment, level=old.level,
            narrative=old.narrative, carried_forward_from=old, updated_by_id=old.updated_by_id,
        )
        EvidenceLink.objects.bulk_create(
            EvidenceLink(
                organisation_id=review.organisation_id, rating=rating, review=review, url=link.url,
                title=link.title, added_by_id=link.added_by_id,
            )
            for link in old.links.all()
        )
        for source in old.files.all():
            _copy_file(source, rating=rating, stored=stored)
        carried += 1
    return carried


def _statement_signature(statement: dict) -> tuple:
    return tuple(sorted((code, text) for code, text in statement.items() if text))


def review_period_open(
    *, organisation: Organisation, name: str, opens_on: datetime.date, due_on: datetime.date, by=None
) -> ReviewPeriod:
    """Start a round of self-assessment against the current published charter: one review for
    each active school and one for the organisation, each starting from its previous review's
    ratings of the commitments that have not changed."""
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Give the review period a name, for example “2025–26 self-assessment”.")
    elif len(name) > 120:
        errors["name"] = _("Keep the name to 120 characters.")
    if opens_on and due_on and due_on < opens_on:
        errors["due_on"] = _("The due date must be on or after the day the period opens.")
    if errors:
        raise ValidationError(errors)
    stored: list[str] = []
    try:
        with transaction.atomic():
            charter = Charter.objects.select_for_update().first()
            version = (
                CharterVersion.objects.filter(charter=charter, status=CharterVersion.Status.PUBLISHED)
                .order_by("-number")
                .first()
                if charter
                else None
            )
            if version is None:
                raise ValidationError(_("Publish your charter before starting a review period."))
            if ReviewPeriod.objects.filter(name__iexact=name).exists():
                raise ValidationError({"name": _("There is already a review period with this name.")})
            period = ReviewPeriod.objects.create(
                organisation=organisation, name=name, version=version, opens_on=opens_on, due_on=due_on,
                created_by=by,
            )
            scopes: list[School | None] = [None, *School.objects.filter(is_active=True).order_by("name")]
            for school in scopes:
                review = Review.objects.create(organisation=organisation, period=period, school=school)
                _carry_forward(review=review, version=version, stored=stored)
    except BaseException:
        _delete_stored(stored)
        raise
    return period


@transaction.atomic
def review_period_close(*, period: ReviewPeriod) -> ReviewPeriod:
    """Close a period: its reviews that were not signed off stay as they are, read-only."""
    period = ReviewPeriod.objects.select_for_update().get(pk=period.pk)
    period.status = ReviewPeriod.Status.CLOSED
    period.save(update_fields=["status"])
    return period


# --- Ratings and evidence ----------------------------------------------------------------------
def _editable(review: Review) -> Review:
    review = Review.objects.select_for_update().select_related("period").get(pk=review.pk)
    if review.is_signed_off:
        raise ReviewSignedOff()
    if not review.period.is_open:
        raise ValidationError(_("This review period is closed."), code="period_closed")
    return review


def _check_links(links: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    validate = URLValidator(schemes=["http", "https"])
    checked = []
    for url, title in links:
        url = (url or "").strip()
        title = " ".join((title or "").split())
        if not url:
            if title:
                raise ValidationError({"evidence_url": _("Add the address of the link, or leave both boxes empty.")})
            continue
        try:
            validate(url)
        except ValidationError as error:
            raise ValidationError(
                {"evidence_url": _("Enter a full web address, starting with https://")}
            ) from error
        if len(url) > 500:
            raise ValidationError({"evidence_url": _("This address is too long (500 characters at most).")})
        checked.append((url, title[:200]))
    return checked


def _delete_stored(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not remove evidence file %s after a failed save", name)


def rating_save(
    *, review: Review, commitment: Commitment, level: str, narrative: str = "",
    links: Sequence[tuple[str, str]] = (), files: Sequence = (), by=None,
) -> Rating:
    """Rate one commitment in a review, with narrative and any new evidence links and files.

    Every file is checked (type by content, size) before anything is written; if any check
    fails, nothing of the rating, its links or its files is saved."""
    if level not in Rating.Level.values:
        raise ValidationError({"level": _("Choose how far this commitment is in place.")})
    narrative = (narrative or "").strip()
    if len(narrative) > MAX_NARRATIVE:
        raise ValidationError({"narrative": _("Keep this to %(limit)d characters.") % {"limit": MAX_NARRATIVE}})
    links = _check_links(links)
    kinds = []
    for upload in files:
        try:
            kinds.append(check_evidence_file(upload))
        except ValidationError as error:
            raise ValidationError({"evidence_file": error.messages}) from error
    stored: list[str] = []
    try:
        with transaction.atomic():
            review = _editable(review)
            if commitment.version_id != review.period.version_id:
                raise ValidationError(_("This commitment is not part of the charter version being reviewed."))
            rating = Rating.objects.filter(review=review, commitment=commitment).first()
            if rating is None:
                rating = Rating(organisation_id=review.organisation_id, review=review, commitment=commitment)
            rating.level = level
            rating.narrative = narrative
            rating.carried_forward_from = None  # someone has now looked at it
            rating.updated_by = by
            rating.save()
            if links:
                if EvidenceLink.objects.filter(rating=rating).count() + len(links) > MAX_LINKS_PER_RATING:
                    raise ValidationError({"evidence_url": _("A rating can have %(n)d links at most.") % {"n": MAX_LINKS_PER_RATING}})
                EvidenceLink.objects.bulk_create(
                    EvidenceLink(organisation_id=review.organisation_id, rating=rating, review=review, url=url,
                                 title=title, added_by=by)
                    for url, title in links
                )
            for upload, kind in zip(files, kinds, strict=True):
                if EvidenceFile.objects.filter(rating=rating).count() >= MAX_FILES_PER_RATING:
                    raise ValidationError(
                        {"evidence_file": _("A rating can have %(n)d files at most.") % {"n": MAX_FILES_PER_RATING}}
                    )
                evidence = EvidenceFile(
                    organisation_id=review.organisation_id, rating=rating, review=review,
                    original_name=PurePath(upload.name).name[:255], content_type=kind.content_type,
                    size=upload.size, uploaded_by=by,
                )
                evidence.file.save(f"evidence.{kind.extension}", upload, save=False)
                stored.append(evidence.file.name)
                evidence.save()
    except BaseException:
        _delete_stored(stored)
        raise
    return rating


@transaction.atomic
def evidence_link_remove(*, link: EvidenceLink) -> None:
    _editable(link.review)
    link.delete()


@transaction.atomic
def evidence_file_remove(*, evidence: EvidenceFile) -> None:
    _editable(evidence.review)
    name = evidence.file.name
    evidence.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: _delete_stored([name]))


@transaction.atomic
def review_sign_off(*, review: Review, by=None, today: datetime.date | None = None) -> Review:
    """Sign a review off: every commitment must be rated. From now on the review is read-only,
    and governors, trustees and staff can read it."""
    review = _editable(review)
    commitments = Commitment.objects.filter(version_id=review.period.version_id)
    unrated = commitments.exclude(pk__in=Rating.objects.filter(review=review).values("commitment_id")).count()
    if unrated:
        raise ValidationError(
            _("Rate every commitment before signing off: %(count)d still to rate.") % {"count": unrated},
            code="unrated",
        )
    review.status = Review.Status.SIGNED_OFF
    review.signed_off_by = by
    review.signed_off_on = today or timezone.localdate()
    review.save(update_fields=["status", "signed_off_by", "signed_off_on"])
    return review


# --- Reminders ---------------------------------------------------------------------------------
def _reminder_stage(review: Review, today: datetime.date) -> str | None:
    days_left = (review.period.due_on - today).days
    for stage, from_days in REMINDER_STAGES:
        if days_left <= from_days:
            return stage if stage not in review.reminders_sent else None
    return None


def _recipients(review: Review) -> list[str]:
    memberships = Membership.objects.filter(is_active=True, user__is_active=True)
    if review.school_id is not None:
        leads = memberships.filter(role=Role.SCHOOL_LEAD, school_id=review.school_id)
        if leads.exists():
            memberships = leads
        else:  # nobody leads this school yet: the organisation's leads are told instead
            memberships = memberships.filter(role=Role.ORGANISATION_LEAD)
    else:
        memberships = memberships.filter(role=Role.ORGANISATION_LEAD)
    return sorted(set(memberships.values_list("user__email", flat=True)))


def _send_reminder(review: Review, stage: str, recipients: list[str], organisation: Organisation) -> None:
    language = organisation.default_language or settings.LANGUAGE_CODE
    with translation.override(language):
        path = reverse("charters:review", kwargs={"org": organisation.slug, "review_id": review.pk})
        context = {
            "review": review,
            "period": review.period,
            "organisation": organisation,
            "scope": review.school.name if review.school_id else organisation.name,
            "stage": stage,
            "url": settings.SITE_URL.rstrip("/") + path,
        }
        subject = " ".join(render_to_string("charters/email/reminder_subject.txt", context).split())
        body = render_to_string("charters/email/reminder_message.txt", context)
    send_mail(subject, body, None, recipients)


def review_reminders_send(*, organisation: Organisation, today: datetime.date | None = None) -> int:
    """Email the leads of every review not yet signed off in an open period: a week before the
    due date, the day before, and once when it is overdue. Each stage goes out once per review;
    a failed email leaves its stage for the next run. Returns the number of emails sent."""
    today = today or timezone.localdate()
    sent = 0
    reviews = (
        Review.objects.filter(
            status=Review.Status.IN_PROGRESS,
            period__status=ReviewPeriod.Status.OPEN,
            period__opens_on__lte=today,
        )
        .filter(Q(school__isnull=True) | Q(school__is_active=True))
        .select_related("period", "school")
        .order_by("pk")
    )
    for review in reviews:
        stage = _reminder_stage(review, today)
        if stage is None:
            continue
        recipients = _recipients(review)
        if not recipients:
            continue
        try:
            with transaction.atomic():
                locked = Review.objects.select_for_update().get(pk=review.pk)
                if stage in locked.reminders_sent:
                    continue
                locked.reminders_sent = [*locked.reminders_sent, stage]
                locked.save(update_fields=["reminders_sent"])
                _send_reminder(review, stage, recipients, organisation)
        except Exception:
            logger.exception("Charter review reminder failed for review %s", review.pk)
            continue
        sent += 1
    return sent
