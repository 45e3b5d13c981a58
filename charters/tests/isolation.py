"""Organisation B's charter objects for the isolation sweep (tests/test_isolation.py OBJECT_IDS)."""

from __future__ import annotations

import datetime

from wellbeing.tenancy.context import organisation_scope


def organisation_b_objects(world) -> dict[str, int | str]:
    """B's charter, a version, a commitment, a review period, a review, a rating and its evidence,
    by the URL keyword (pages) or router segment (API) that names them."""
    from django.core.files.base import ContentFile

    from charters import services
    from charters.models import Commitment, EvidenceFile, EvidenceLink, Rating, Review

    from .factories import PDF_BYTES, adopt, open_period

    b = world.org("b")
    version = adopt(b)
    period = open_period(b, name="B's review", opens_on=datetime.date(2024, 10, 1), due_on=datetime.date(2025, 3, 1))
    with organisation_scope(b):
        review = Review.objects.get(period=period, school=world.school("b"))
        commitment = Commitment.objects.filter(version=version).first()
        rating = services.rating_save(
            review=review, commitment=commitment, level=Rating.Level.EMBEDDED,
            links=[("https://b.example.org/policy", "B's policy")],
        )
        evidence = EvidenceFile(organisation=b, rating=rating, review=review, original_name="b.pdf",
                                content_type="application/pdf", size=len(PDF_BYTES))
        evidence.file.save("b.pdf", ContentFile(PDF_BYTES), save=False)
        evidence.save()
        link = EvidenceLink.objects.get(rating=rating)
    return {
        "charter_version_id": version.pk,
        "commitment_id": commitment.pk,
        "period_id": period.pk,
        "review_id": review.pk,
        "evidence_file_id": str(evidence.pk),
        "evidence_link_id": link.pk,
        "charters.pk": version.charter_id,
        "charter-versions.pk": version.pk,
        "charter-commitments.pk": commitment.pk,
        "charter-review-periods.pk": period.pk,
        "charter-reviews.pk": review.pk,
        "charter-ratings.pk": rating.pk,
    }
