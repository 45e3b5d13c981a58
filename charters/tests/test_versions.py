"""Charter versions: adopting a template, publishing, and the rule that a published version
never changes; a new version carries ratings forward only for commitments left unchanged."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from charters import services
from charters.models import (
    CharterVersion,
    CharterVersionLocked,
    Commitment,
    CommitmentItem,
    EvidenceFile,
    EvidenceLink,
    Rating,
    Review,
)
from wellbeing.tenancy.context import organisation_scope

from .factories import adopt, charter_of, commitments, open_period, pdf, review_of

pytestmark = pytest.mark.django_db


def _texts(commitment: Commitment) -> dict:
    return {"statement": commitment.statement, "responsible": commitment.responsible, "evidence": commitment.evidence}


def test_adopting_the_general_template_gives_a_draft_in_six_areas_and_three_languages(world):
    org = world.org("a")

    version = adopt(org, publish=False)

    with organisation_scope(org):
        found = list(Commitment.objects.filter(version=version))
        assert version.is_draft and version.number == 1
        assert {c.area for c in found} == {
            "workload", "flexible_working", "feedback", "culture", "professional_development", "health",
        }
        assert all(set(c.statement) == {"en", "fr", "cy"} for c in found)
        workload = next(c for c in found if c.key == "workload-unnecessary-tasks")
        assert workload.statement["cy"].startswith("Byddwn yn cael gwared ar dasgau")
        assert workload.responsible["en"] == "Headteacher and senior leadership team"
        # Linked to the built-in survey's items that measure it.
        assert CommitmentItem.objects.filter(commitment=workload).count() == 2


def test_the_pledge_template_is_made_by_the_employer_and_by_school_leaders(world):
    org = world.org("a")

    version = adopt(org, template="education-pledge", languages=["en", "cy"], publish=False)

    with organisation_scope(org):
        pledges = set(Commitment.objects.filter(version=version).values_list("pledged_by", flat=True))
        assert pledges == {"organisation", "school_leaders"}
        # Only the chosen languages are kept: nobody maintains a French text they did not ask for.
        assert all(set(c.statement) == {"en", "cy"} for c in Commitment.objects.filter(version=version))
        with pytest.raises(ValidationError):
            services.charter_adopt(organisation=org, template_code="general", languages=["en"])


def test_a_published_version_cannot_be_changed_through_the_services(world):
    org = world.org("a")
    version = adopt(org)
    commitment = commitments(org, version)[0]
    before = _texts(commitment)

    with organisation_scope(org):
        with pytest.raises(CharterVersionLocked):
            services.commitment_update(
                commitment=commitment, area=commitment.area, statement={"en": "Changed", "fr": "x", "cy": "y"},
                responsible={}, evidence={},
            )
        with pytest.raises(CharterVersionLocked):
            services.commitment_add(version=version, area="workload", statement={"en": "New", "fr": "N", "cy": "N"},
                                    responsible={}, evidence={})
        with pytest.raises(CharterVersionLocked):
            services.commitment_remove(commitment=commitment)
        with pytest.raises(CharterVersionLocked):
            services.charter_version_update(version=version, title={"en": "Other", "fr": "A", "cy": "B"}, intro={})
        with pytest.raises(CharterVersionLocked):
            services.charter_version_publish(version=version)
        with pytest.raises(CharterVersionLocked):
            services.charter_version_discard(version=version)

        assert _texts(Commitment.objects.get(pk=commitment.pk)) == before
        assert Commitment.objects.filter(version=version).count() == 14
        assert CharterVersion.objects.get(pk=version.pk).title["en"] == "Our staff wellbeing charter"


def test_a_published_version_cannot_be_changed_through_the_models(world):
    org = world.org("a")
    version = adopt(org)
    commitment = commitments(org, version)[0]

    with organisation_scope(org):
        version.title = {"en": "Rewritten"}
        with pytest.raises(CharterVersionLocked):
            version.save()
        with pytest.raises(CharterVersionLocked):
            version.delete()
        commitment.statement = {"en": "Rewritten"}
        with pytest.raises(CharterVersionLocked):
            commitment.save()
        with pytest.raises(CharterVersionLocked):
            commitment.delete()
        link = CommitmentItem.objects.filter(version=version).first()
        with pytest.raises(CharterVersionLocked):
            link.delete()
        with pytest.raises(CharterVersionLocked):
            Commitment(organisation=org, version=version, key="sneaked-in", area="workload",
                       statement={"en": "x"}).save()

        stored = Commitment.objects.get(pk=commitment.pk)
        assert stored.statement["en"].startswith("We will remove tasks")
        assert CharterVersion.objects.get(pk=version.pk).title["en"] == "Our staff wellbeing charter"


def test_a_draft_is_edited_and_published_and_only_one_draft_exists_at_a_time(world):
    org = world.org("a")
    version = adopt(org)

    with organisation_scope(org):
        draft = services.charter_version_new_draft(charter=charter_of(org))
        assert draft.number == 2 and draft.is_draft
        assert sorted(Commitment.objects.filter(version=draft).values_list("key", flat=True)) == sorted(
            Commitment.objects.filter(version=version).values_list("key", flat=True)
        )
        with pytest.raises(ValidationError, match="already a draft"):
            services.charter_version_new_draft(charter=charter_of(org))

        with pytest.raises(ValidationError) as missing_welsh:
            services.commitment_add(
                version=draft, area="health", statement={"en": "We will offer flu jabs.", "fr": "Grippe.", "cy": ""},
                responsible={}, evidence={},
            )
        assert "statement_cy" in missing_welsh.value.message_dict
        services.commitment_add(
            version=draft, area="health",
            statement={"en": "We will offer flu jabs.", "fr": "Nous proposerons la vaccination.", "cy": "Byddwn yn cynnig brechiadau ffliw."},
            responsible={}, evidence={},
        )
        published = services.charter_version_publish(version=draft, today=datetime.date(2025, 9, 1))
        assert published.is_published and published.published_on == datetime.date(2025, 9, 1)
        assert Commitment.objects.filter(version=draft).count() == 15
        # The earlier version is still there, unchanged.
        assert Commitment.objects.filter(version=version).count() == 14


def test_publishing_an_empty_draft_is_refused(world):
    org = world.org("a")
    with organisation_scope(org):
        version = services.charter_create(organisation=org, title={"en": "Our promises"}, intro={}, languages=["en"])
        with pytest.raises(ValidationError, match="at least one commitment"):
            services.charter_version_publish(version=version)
        assert CharterVersion.objects.get(pk=version.pk).is_draft


def test_a_new_version_carries_ratings_forward_only_for_unchanged_commitments(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    org = world.org("a")
    school = world.school("a")
    version_1 = adopt(org)
    first = open_period(org, name="2023–24", opens_on=datetime.date(2023, 10, 1), due_on=datetime.date(2024, 3, 1))
    review_1 = review_of(org, first, school)
    with organisation_scope(org):
        for commitment in Commitment.objects.filter(version=version_1):
            services.rating_save(
                review=review_1, commitment=commitment, level=Rating.Level.DEVELOPING,
                narrative=f"Progress on {commitment.key}",
                links=[("https://intranet.example.org/" + commitment.key, "Minutes")],
                files=[pdf()] if commitment.key == "feedback-survey" else [],
            )
        services.review_sign_off(review=review_1, today=datetime.date(2024, 2, 1))

        draft = services.charter_version_new_draft(charter=charter_of(org))
        by_key = {c.key: c for c in Commitment.objects.filter(version=draft)}
        reworded = by_key["workload-deadlines"]
        services.commitment_update(
            commitment=reworded, area=reworded.area,
            statement={**reworded.statement, "en": "We will publish every deadline a term ahead."},
            responsible=reworded.responsible, evidence=reworded.evidence,
        )
        # Changing who is responsible is not changing the promise: its rating still carries.
        owner_changed = by_key["flexible-requests"]
        services.commitment_update(
            commitment=owner_changed, area=owner_changed.area, statement=owner_changed.statement,
            responsible={"en": "Deputy headteacher", "fr": "Adjoint", "cy": "Dirprwy bennaeth"},
            evidence=owner_changed.evidence,
        )
        services.commitment_remove(commitment=by_key["health-return"])
        new = services.commitment_add(
            version=draft, area="health",
            statement={"en": "We will offer flu jabs.", "fr": "Nous proposerons la vaccination.", "cy": "Byddwn yn cynnig brechiadau ffliw."},
            responsible={}, evidence={},
        )
        services.charter_version_publish(version=draft, today=datetime.date(2024, 9, 1))

    second = open_period(org, name="2024–25", opens_on=datetime.date(2024, 10, 1), due_on=datetime.date(2025, 3, 1))
    review_2 = review_of(org, second, school)
    with organisation_scope(org):
        carried = {r.commitment.key: r for r in Rating.objects.filter(review=review_2).select_related("commitment")}
        assert "workload-deadlines" not in carried  # reworded: rated afresh
        assert new.key not in carried  # new: nothing to carry
        assert "flexible-requests" in carried
        assert len(carried) == 12  # 14 in v1, one reworded, one removed
        rating = carried["feedback-survey"]
        assert rating.level == Rating.Level.DEVELOPING
        assert rating.narrative == "Progress on feedback-survey"
        assert rating.carried_forward_from.review_id == review_1.pk
        assert rating.commitment.version_id == draft.pk
        assert EvidenceLink.objects.filter(rating=rating).count() == 1
        copied = EvidenceFile.objects.get(rating=rating)
        original = EvidenceFile.objects.get(rating__review=review_1)
        assert copied.file.name != original.file.name  # its own copy: removing one never breaks the other
        assert copied.file.read().startswith(b"%PDF-")
        # The signed-off review of the first period is untouched.
        assert Rating.objects.filter(review=review_1).count() == 14
        assert Review.objects.get(pk=review_1.pk).is_signed_off
