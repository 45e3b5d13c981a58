"""Read-only API of the charter for wellbeing leads: charters, versions, commitments, review
periods, reviews and ratings (Power BI, spreadsheets, a trust's own dashboards).

Organisation leads read everything; school leads read the charter and their own school's
reviews. Anyone else, and anything of another organisation, answers 404.
"""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets

from wellbeing.tenancy.models import Role
from wellbeing.tenancy.permissions import require

from . import measures, selectors
from .models import Charter, CharterVersion, Commitment, Rating, Review, ReviewPeriod
from .permissions import can_use_api


def texts() -> serializers.DictField:
    return serializers.DictField(child=serializers.CharField(), help_text="Text by language code")


def _require_lead(request) -> None:
    require(can_use_api(request.access))


def _int_param(request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() else None


class CharterSerializer(serializers.ModelSerializer):
    title = texts()
    intro = texts()
    languages = serializers.ListField(child=serializers.CharField())
    published_version = serializers.SerializerMethodField()

    class Meta:
        model = Charter
        fields = ["id", "title", "intro", "template", "languages", "published_version"]

    def get_published_version(self, charter) -> int | None:
        version = selectors.published_version(charter=charter)
        return version.pk if version else None


class ItemLinkSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item.pk")
    code = serializers.CharField(source="item.code")
    instrument = serializers.CharField(source="item.instrument.code")
    measure = serializers.SerializerMethodField(help_text="The item's released value for the organisation")

    @extend_schema_field({
        "type": "object",
        "properties": {
            "state": {"type": "string", "enum": [measures.NO_RESULTS, measures.REPORTABLE, measures.NOT_REPORTABLE]},
            "value": {"type": "number", "nullable": True},
            "label": {"type": "string"},
        },
    })
    def get_measure(self, link) -> dict:
        value = measures.released_item_value(item=link.item, school=None)
        # A suppressed cell has no value to give, whatever the caller asks.
        return {"state": value.state, "value": value.value if value.is_reportable else None, "label": value.label}


class CommitmentSerializer(serializers.ModelSerializer):
    statement = texts()
    responsible = texts()
    evidence = texts()
    survey_items = ItemLinkSerializer(source="item_links", many=True, read_only=True)

    class Meta:
        model = Commitment
        fields = ["id", "version", "key", "area", "pledged_by", "statement", "responsible", "evidence", "order",
                  "survey_items"]


class CharterVersionSerializer(serializers.ModelSerializer):
    title = texts()
    intro = texts()
    # Plain text, not an enum: the same draft/published pair as instruments' would be named after them.
    status = serializers.CharField(read_only=True, help_text="draft or published")
    commitment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = CharterVersion
        fields = ["id", "charter", "number", "status", "title", "intro", "published_on", "commitment_count"]


class ReviewPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewPeriod
        fields = ["id", "name", "version", "opens_on", "due_on", "status"]


class ReviewSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", default=None, allow_null=True)
    rated = serializers.IntegerField(read_only=True)

    class Meta:
        model = Review
        fields = ["id", "period", "school", "school_name", "status", "signed_off_on", "rated"]


class EvidenceLinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    title = serializers.CharField()


class EvidenceFileSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    download = serializers.SerializerMethodField()

    def get_download(self, evidence) -> str:
        return reverse("charters:evidence", kwargs={"org": self.context["org"], "evidence_file_id": evidence.pk})


class RatingSerializer(serializers.ModelSerializer):
    commitment_key = serializers.CharField(source="commitment.key")
    evidence_links = EvidenceLinkSerializer(source="links", many=True, read_only=True)
    evidence_files = EvidenceFileSerializer(source="files", many=True, read_only=True)
    evidence_missing = serializers.SerializerMethodField(help_text="Claims progress with no link or file to show it")
    carried_forward = serializers.SerializerMethodField(help_text="Copied from the previous review, not yet confirmed")

    class Meta:
        model = Rating
        fields = ["id", "review", "commitment", "commitment_key", "level", "narrative", "evidence_links",
                  "evidence_files", "evidence_missing", "carried_forward"]

    def get_evidence_missing(self, rating) -> bool:
        return selectors.is_flagged(rating)

    def get_carried_forward(self, rating) -> bool:
        return rating.carried_forward_from_id is not None


def _visible_reviews(request):
    reviews = Review.objects.all()
    access = request.access
    if not access.can_lead_organisation:
        reviews = reviews.filter(school_id__in=access.schools_for(Role.SCHOOL_LEAD))
    return reviews


@extend_schema_view(
    list=extend_schema(summary="The organisation's charter (at most one)"),
    retrieve=extend_schema(summary="The charter"),
)
class CharterViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CharterSerializer
    queryset = Charter.objects.none()

    def get_queryset(self):
        _require_lead(self.request)
        return Charter.objects.order_by("pk")


@extend_schema_view(
    list=extend_schema(summary="Versions of the charter, newest first"),
    retrieve=extend_schema(summary="One version of the charter"),
)
class CharterVersionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CharterVersionSerializer
    queryset = CharterVersion.objects.none()

    def get_queryset(self):
        _require_lead(self.request)
        return CharterVersion.objects.annotate(commitment_count=Count("commitments")).order_by("-number")


@extend_schema_view(
    list=extend_schema(
        summary="Commitments, with the survey items that measure them",
        parameters=[OpenApiParameter("version", OpenApiTypes.INT, description="Only this version's commitments")],
    ),
    retrieve=extend_schema(summary="One commitment"),
)
class CommitmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CommitmentSerializer
    queryset = Commitment.objects.none()

    def get_queryset(self):
        _require_lead(self.request)
        commitments = Commitment.objects.prefetch_related("item_links__item__instrument").order_by("version_id", "order", "id")
        version = _int_param(self.request, "version")
        return commitments.filter(version_id=version) if version is not None else commitments


@extend_schema_view(
    list=extend_schema(summary="Review periods of the self-assessment"),
    retrieve=extend_schema(summary="One review period"),
)
class ReviewPeriodViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReviewPeriodSerializer
    queryset = ReviewPeriod.objects.none()

    def get_queryset(self):
        _require_lead(self.request)
        return ReviewPeriod.objects.order_by("-opens_on", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="Self-assessment reviews (a school's, or the organisation's when school is empty)",
        parameters=[OpenApiParameter("period", OpenApiTypes.INT, description="Only this review period's reviews")],
    ),
    retrieve=extend_schema(summary="One review"),
)
class ReviewViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReviewSerializer
    queryset = Review.objects.none()

    def get_queryset(self):
        _require_lead(self.request)
        reviews = _visible_reviews(self.request).select_related("school").annotate(rated=Count("ratings")).order_by("-period_id", "pk")
        period = _int_param(self.request, "period")
        return reviews.filter(period_id=period) if period is not None else reviews


@extend_schema_view(
    list=extend_schema(
        summary="Ratings of commitments, with evidence and the evidence-missing flag",
        parameters=[OpenApiParameter("review", OpenApiTypes.INT, description="Only this review's ratings")],
    ),
    retrieve=extend_schema(summary="One rating"),
)
class RatingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RatingSerializer
    queryset = Rating.objects.none()

    def get_serializer_context(self):
        organisation = getattr(self.request, "organisation", None)
        return {**super().get_serializer_context(), "org": organisation.slug if organisation else ""}

    def get_queryset(self):
        _require_lead(self.request)
        ratings = (
            Rating.objects.filter(review__in=_visible_reviews(self.request))
            .select_related("commitment")
            .prefetch_related("links", "files")
            .annotate(link_count=Count("links", distinct=True), file_count=Count("files", distinct=True))
            .order_by("review_id", "commitment__order", "pk")
        )
        review = _int_param(self.request, "review")
        return ratings.filter(review_id=review) if review is not None else ratings
