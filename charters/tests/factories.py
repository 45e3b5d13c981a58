"""Charters made the way leads make them: through the services."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from charters import services
from charters.models import Charter, CharterVersion, Commitment, Rating, Review, ReviewPeriod
from wellbeing.tenancy.context import organisation_scope

# A real (tiny) PDF: what a lead's scanned policy or minutes would be.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf(name: str = "wellbeing-policy.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def load_builtin_survey() -> None:
    from surveys import services as survey_services

    survey_services.instrument_load_builtin()


def adopt(organisation, *, template: str = "general", languages=("en", "fr", "cy"), publish: bool = True,
          on: datetime.date | None = None) -> CharterVersion:
    """The organisation's charter from a built-in template, published unless asked otherwise."""
    load_builtin_survey()
    with organisation_scope(organisation):
        version = services.charter_adopt(organisation=organisation, template_code=template, languages=list(languages))
        if publish:
            version = services.charter_version_publish(version=version, today=on or datetime.date(2024, 9, 2))
        return CharterVersion.objects.get(pk=version.pk)


def open_period(organisation, *, name: str = "2024–25 self-assessment", opens_on=datetime.date(2024, 10, 1),
                due_on=datetime.date(2025, 3, 31)) -> ReviewPeriod:
    with organisation_scope(organisation):
        return services.review_period_open(organisation=organisation, name=name, opens_on=opens_on, due_on=due_on)


def review_of(organisation, period: ReviewPeriod, school=None) -> Review:
    with organisation_scope(organisation):
        return Review.objects.select_related("period").get(period=period, school=school)


def commitments(organisation, version: CharterVersion) -> list[Commitment]:
    with organisation_scope(organisation):
        return list(Commitment.objects.filter(version=version).order_by("order", "id"))


def rate_all(organisation, review: Review, *, level: str = Rating.Level.EMBEDDED, with_evidence: bool = True,
             sign_off: bool = False, on: datetime.date | None = None) -> None:
    with organisation_scope(organisation):
        for commitment in Commitment.objects.filter(version_id=review.period.version_id):
            services.rating_save(
                review=review, commitment=commitment, level=level, narrative="In place across the school.",
                links=[("https://intranet.example.org/policy", "Policy")] if with_evidence else [],
            )
        if sign_off:
            services.review_sign_off(review=review, today=on)


def charter_of(organisation) -> Charter:
    with organisation_scope(organisation):
        return Charter.objects.get()
