"""Self-assessment as leads meet it: rating with evidence, the evidence-missing flag, who may
rate which review, signing off, and evidence files that are checked and kept private."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from charters import selectors, services
from charters.models import EvidenceFile, EvidenceLink, Rating, Review, ReviewSignedOff
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role

from .factories import PDF_BYTES, adopt, commitments, open_period, pdf, rate_all, review_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def charter(world):
    """Trust A's published general charter with an open review period."""
    org = world.org("a")
    version = adopt(org)
    period = open_period(org, opens_on=datetime.date.today(), due_on=datetime.date.today() + datetime.timedelta(days=60))
    return {"org": org, "version": version, "period": period, "commitments": commitments(org, version)}


def _files_on_disk(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _rate_url(review, commitment, org="trust-a"):
    return reverse("charters:rate", kwargs={"org": org, "review_id": review.pk, "commitment_id": commitment.pk})


# --- The evidence flag -------------------------------------------------------------------------
def test_ratings_that_claim_progress_without_evidence_are_flagged_and_counted(world, charter, signed_in):
    org, first, second, third = charter["org"], *charter["commitments"][:3]
    review = review_of(org, charter["period"], world.school("a"))
    with organisation_scope(org):
        services.rating_save(review=review, commitment=first, level=Rating.Level.EMBEDDED, narrative="Done.")
        services.rating_save(review=review, commitment=second, level=Rating.Level.DEVELOPING,
                             links=[("https://intranet.example.org/minutes", "Minutes")])
        services.rating_save(review=review, commitment=third, level=Rating.Level.NOT_STARTED)

        rows, summary = selectors.review_rows(review=review, language="en")
        flagged = {row.commitment.pk for row in rows if row.flagged}
        assert flagged == {first.pk}  # evidenced and "not started" ratings are not flagged
        assert summary.flagged == 1

    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    html = client.get(reverse("charters:review", kwargs={"org": "trust-a", "review_id": review.pk})).content.decode()
    assert "1 rating says the commitment is developing or embedded but has no evidence." in html
    assert html.count("No evidence</span>") == 1

    overview = client.get(reverse("charters:overview", kwargs={"org": "trust-a"})).content.decode()
    assert '<dd class="govuk-summary-list__value" id="flagged-count">1</dd>' in overview


# --- Who may rate -----------------------------------------------------------------------------
def test_a_school_lead_rates_their_own_school(world, charter, signed_in):
    org, commitment = charter["org"], charter["commitments"][0]
    own = review_of(org, charter["period"], world.school("a", 0))
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))

    response = client.post(_rate_url(own, commitment), {"level": "developing", "narrative": "Workload group formed."})

    assert response.status_code == 302
    with organisation_scope(org):
        rating = Rating.objects.get(review=own, commitment=commitment)
        assert (rating.level, rating.narrative) == ("developing", "Workload group formed.")


def test_a_school_lead_gets_404_for_another_schools_review_and_the_organisations(world, charter, signed_in):
    org, commitment = charter["org"], charter["commitments"][0]
    other = review_of(org, charter["period"], world.school("a", 1))
    organisation_review = review_of(org, charter["period"], None)
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))

    for review in (other, organisation_review):
        assert client.get(reverse("charters:review", kwargs={"org": "trust-a", "review_id": review.pk})).status_code == 404
        assert client.get(_rate_url(review, commitment)).status_code == 404
        assert client.post(_rate_url(review, commitment), {"level": "embedded"}).status_code == 404
        sign_off = reverse("charters:sign_off", kwargs={"org": "trust-a", "review_id": review.pk})
        assert client.post(sign_off).status_code == 404

    with organisation_scope(org):
        assert not Rating.objects.filter(review__in=[other, organisation_review]).exists()
        assert not Review.objects.filter(status=Review.Status.SIGNED_OFF).exists()


def test_governors_read_only_their_schools_signed_off_review(world, charter, signed_in):
    org = charter["org"]
    own = review_of(org, charter["period"], world.school("a", 0))
    other = review_of(org, charter["period"], world.school("a", 1))
    client = signed_in(world.user("a", Role.GOVERNOR))
    url = reverse("charters:review", kwargs={"org": "trust-a", "review_id": own.pk})

    assert client.get(url).status_code == 404  # still being written: only its leads follow it
    rate_all(org, own, sign_off=True)
    rate_all(org, other, sign_off=True)

    page = client.get(url)
    assert page.status_code == 200
    assert "Rate this commitment" not in page.content.decode() and "Change the rating" not in page.content.decode()
    assert client.get(reverse("charters:review", kwargs={"org": "trust-a", "review_id": other.pk})).status_code == 404
    assert client.get(_rate_url(own, charter["commitments"][0])).status_code == 404


# --- Signing off -------------------------------------------------------------------------------
def test_a_review_is_signed_off_only_when_complete_and_is_then_read_only(world, charter, signed_in):
    org, first = charter["org"], charter["commitments"][0]
    review = review_of(org, charter["period"], world.school("a"))
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))
    sign_off = reverse("charters:sign_off", kwargs={"org": "trust-a", "review_id": review.pk})

    with organisation_scope(org):
        services.rating_save(review=review, commitment=first, level=Rating.Level.EMBEDDED,
                             links=[("https://example.org/a", "A")])
    refused = client.post(sign_off)
    assert refused.status_code == 400
    assert "Rate every commitment before signing off: 13 still to rate." in refused.content.decode()

    rate_all(org, review)
    assert client.post(sign_off).status_code == 302

    with organisation_scope(org):
        review = Review.objects.get(pk=review.pk)
        assert review.is_signed_off and review.signed_off_on == datetime.date.today()
        with pytest.raises(ReviewSignedOff):
            services.rating_save(review=review, commitment=first, level=Rating.Level.NOT_STARTED)
        rating = Rating.objects.get(review=review, commitment=first)
        rating.level = Rating.Level.NOT_STARTED
        with pytest.raises(ReviewSignedOff):
            rating.save()
        with pytest.raises(ReviewSignedOff):
            EvidenceLink.objects.filter(review=review).first().delete()
    client.post(_rate_url(review, first), {"level": "not_started"})
    with organisation_scope(org):
        assert Rating.objects.get(review=review, commitment=first).level == Rating.Level.EMBEDDED


# --- Evidence files ----------------------------------------------------------------------------
def test_evidence_pdf_is_stored_under_a_random_name_and_downloaded_only_by_those_who_may_read(
    world, charter, signed_in, media, client
):
    org, commitment = charter["org"], charter["commitments"][0]
    review = review_of(org, charter["period"], world.school("a"))
    lead = signed_in(world.user("a", Role.SCHOOL_LEAD))

    response = lead.post(_rate_url(review, commitment), {
        "level": "embedded", "narrative": "Policy adopted.", "evidence_file": pdf("Workload policy (final).pdf"),
    })

    assert response.status_code == 302
    with organisation_scope(org):
        evidence = EvidenceFile.objects.get(review=review)
    assert evidence.original_name == "Workload policy (final).pdf"
    assert evidence.content_type == "application/pdf"
    stored = _files_on_disk(media)
    assert len(stored) == 1 and "Workload" not in stored[0] and stored[0].endswith(".pdf")
    download = reverse("charters:evidence", kwargs={"org": "trust-a", "evidence_file_id": evidence.pk})
    got = lead.get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF_BYTES
    assert 'filename="Workload policy (final).pdf"' in got["Content-Disposition"]
    assert got["X-Content-Type-Options"] == "nosniff"

    # Another school's governor may not; nor may anyone through a public media address.
    client.logout()
    governor = signed_in(world.user("a", Role.GOVERNOR))
    with organisation_scope(org):
        from wellbeing.tenancy.models import Membership

        Membership.objects.filter(user=world.user("a", Role.GOVERNOR)).update(school=world.school("a", 1))
    assert governor.get(download).status_code == 404
    assert governor.get("/media/" + stored[0]).status_code == 404


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("minutes.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf"),
         "minutes.pdf is not a file type you can attach."),
        (SimpleUploadedFile("page.svg", b"<svg onload=alert(1)></svg>", content_type="image/svg+xml"),
         "page.svg is not a file type you can attach."),
        (SimpleUploadedFile("notes.docx", b"PK\x03\x04 not really a document", content_type="application/octet-stream"),
         "notes.docx is not a file type you can attach."),
        (SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 2048, content_type="application/pdf"),
         "big.pdf is larger than 1.0\xa0KB."),
    ],
    ids=["program-renamed-pdf", "svg", "fake-docx", "too-large"],
)
def test_evidence_of_the_wrong_type_or_size_is_refused_and_nothing_is_half_saved(
    world, charter, signed_in, media, settings, upload, message
):
    settings.CHARTERS_EVIDENCE_MAX_BYTES = 1024
    org, commitment = charter["org"], charter["commitments"][0]
    review = review_of(org, charter["period"], world.school("a"))
    with organisation_scope(org):
        services.rating_save(review=review, commitment=commitment, level=Rating.Level.NOT_STARTED, narrative="Before.")
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))

    response = client.post(_rate_url(review, commitment), {
        "level": "embedded", "narrative": "After.", "evidence_url": "https://example.org/policy",
        "evidence_title": "Policy", "evidence_file": upload,
    })

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="govuk-error-summary"' in html
    with organisation_scope(org):
        rating = Rating.objects.get(review=review, commitment=commitment)
        assert (rating.level, rating.narrative) == ("not_started", "Before.")
        assert not EvidenceLink.objects.filter(review=review).exists()
        assert not EvidenceFile.objects.filter(review=review).exists()
    assert _files_on_disk(media) == []


def test_a_failure_after_a_file_is_written_leaves_no_file_behind(world, charter, media, monkeypatch):
    from charters.services import reviews as review_services

    # Each file is fine on its own, but a rating may hold only one: the second is refused when
    # the first is already on disk, and the rating and that first file must both go.
    monkeypatch.setattr(review_services, "MAX_FILES_PER_RATING", 1)
    org, commitment = charter["org"], charter["commitments"][0]
    review = review_of(org, charter["period"], world.school("a"))
    with organisation_scope(org):
        with pytest.raises(ValidationError, match="1 files at most"):
            services.rating_save(review=review, commitment=commitment, level=Rating.Level.EMBEDDED,
                                 files=[pdf("one.pdf"), pdf("two.pdf")])
        assert not Rating.objects.filter(review=review).exists()
        assert not EvidenceFile.objects.filter(review=review).exists()
    assert _files_on_disk(media) == []


def test_removing_evidence_deletes_the_file(world, charter, signed_in, media, django_capture_on_commit_callbacks):
    org, commitment = charter["org"], charter["commitments"][0]
    review = review_of(org, charter["period"], world.school("a"))
    with organisation_scope(org):
        services.rating_save(review=review, commitment=commitment, level=Rating.Level.EMBEDDED, files=[pdf()])
        evidence = EvidenceFile.objects.get(review=review)
    assert len(_files_on_disk(media)) == 1
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("charters:evidence_remove", kwargs={"org": "trust-a", "evidence_file_id": evidence.pk}))

    assert response.status_code == 302
    with organisation_scope(org):
        assert not EvidenceFile.objects.filter(pk=evidence.pk).exists()
    assert _files_on_disk(media) == []


def test_a_review_period_needs_a_published_charter_and_a_sensible_due_date(world):
    org = world.org("a")
    with organisation_scope(org):
        with pytest.raises(ValidationError, match="Publish your charter"):
            services.review_period_open(organisation=org, name="Too soon", opens_on=datetime.date(2025, 1, 1),
                                        due_on=datetime.date(2025, 2, 1))
    adopt(org)
    with organisation_scope(org):
        with pytest.raises(ValidationError) as error:
            services.review_period_open(organisation=org, name="Backwards", opens_on=datetime.date(2025, 2, 1),
                                        due_on=datetime.date(2025, 1, 1))
        assert "due_on" in error.value.message_dict
        period = services.review_period_open(organisation=org, name="2025", opens_on=datetime.date(2025, 1, 1),
                                             due_on=datetime.date(2025, 2, 1))
        # One review per school and one for the organisation itself.
        assert sorted((r.school.name if r.school else "") for r in Review.objects.filter(period=period)) == [
            "", "A School 1", "A School 2",
        ]
