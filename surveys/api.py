"""API for wellbeing leads: instruments (read) and surveys (read, create a draft).

Everything answers 404 to anyone who is not a lead of the organisation in the URL, and another
organisation's survey is simply not found (scoped managers), never "forbidden".
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response as ApiResponse

from wellbeing.tenancy.models import Role, School
from wellbeing.tenancy.permissions import require

from . import selectors, services
from .models import (
    CommentQuestion,
    DemographicQuestion,
    Domain,
    Instrument,
    Item,
    Survey,
)


def _require_lead(request) -> None:
    access = request.access
    require(access.can_lead_organisation or bool(access.schools_for(Role.SCHOOL_LEAD)))


class DomainSerializer(serializers.ModelSerializer):
    name = serializers.DictField(child=serializers.CharField(), help_text="Name by language code")

    class Meta:
        model = Domain
        fields = ["code", "name", "area", "is_outcome"]


class ItemSerializer(serializers.ModelSerializer):
    domain = serializers.SlugRelatedField(slug_field="code", read_only=True)
    text = serializers.DictField(child=serializers.CharField(), help_text="Text by language code")

    class Meta:
        model = Item
        fields = ["number", "code", "domain", "text", "scale", "reverse_scored", "allows_not_applicable"]


class CommentQuestionSerializer(serializers.ModelSerializer):
    text = serializers.DictField(child=serializers.CharField(), help_text="Text by language code")

    class Meta:
        model = CommentQuestion
        fields = ["code", "text"]


class InstrumentSerializer(serializers.ModelSerializer):
    name = serializers.DictField(child=serializers.CharField(), help_text="Name by language code")
    is_builtin = serializers.BooleanField(read_only=True)
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Instrument
        fields = ["id", "code", "version", "name", "status", "is_builtin", "languages", "item_count"]


class InstrumentDetailSerializer(InstrumentSerializer):
    domains = DomainSerializer(many=True, read_only=True)
    items = ItemSerializer(many=True, read_only=True)
    comment_questions = CommentQuestionSerializer(many=True, read_only=True)

    class Meta(InstrumentSerializer.Meta):
        fields = [*InstrumentSerializer.Meta.fields, "domains", "items", "comment_questions"]


class DemographicOptionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.DictField(child=serializers.CharField())


class DemographicQuestionSerializer(serializers.ModelSerializer):
    text = serializers.DictField(child=serializers.CharField(), help_text="Text by language code")
    options = DemographicOptionSerializer(many=True, read_only=True)
    is_builtin = serializers.BooleanField(read_only=True)

    class Meta:
        model = DemographicQuestion
        fields = ["id", "code", "text", "options", "is_builtin"]


class SurveySerializer(serializers.ModelSerializer):
    schools = serializers.SerializerMethodField()
    demographic_questions = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = [
            "id", "title", "status", "instrument", "schools", "opens_at", "closes_at", "time_zone",
            "threshold", "demographic_questions", "languages", "reminder_days", "previous_wave",
        ]

    def get_schools(self, survey) -> list[int]:
        return sorted(selectors.survey_school_ids(survey=survey))

    def get_demographic_questions(self, survey) -> list[str]:
        return [question.code for question in selectors.survey_demographic_questions(survey=survey)]


class SurveyCreateSerializer(serializers.Serializer):
    """A new draft survey. Threshold and languages default to the organisation's and the
    instrument's; demographic questions are given by code."""

    title = serializers.CharField(max_length=200)
    instrument = serializers.IntegerField()
    schools = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    time_zone = serializers.CharField(required=False)
    threshold = serializers.IntegerField(required=False, min_value=3)
    demographic_questions = serializers.ListField(child=serializers.CharField(), required=False)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    reminder_days = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    previous_wave = serializers.IntegerField(required=False, allow_null=True)

    def validate_instrument(self, value):
        instrument = Instrument.objects.filter(pk=value).first()
        if instrument is None:
            raise serializers.ValidationError("Unknown instrument.")
        return instrument

    def validate_schools(self, value):
        schools = list(School.objects.filter(pk__in=value))
        if len(schools) != len(set(value)):
            raise serializers.ValidationError("Unknown school.")
        return schools

    def validate_demographic_questions(self, value):
        questions = {q.code: q for q in selectors.demographic_questions_available().filter(code__in=value)}
        unknown = [code for code in value if code not in questions]
        if unknown:
            raise serializers.ValidationError(f"Unknown demographic question: {', '.join(unknown)}.")
        return [questions[code] for code in value]

    def validate_previous_wave(self, value):
        if value is None:
            return None
        survey = Survey.objects.filter(pk=value).first()
        if survey is None:
            raise serializers.ValidationError("Unknown survey.")
        return survey


@extend_schema_view(
    list=extend_schema(summary="Instruments available to the organisation (built-in and its own)"),
    retrieve=extend_schema(summary="One instrument version with its domains, items and comment questions"),
)
class InstrumentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Instrument.objects.none()

    def get_serializer_class(self):
        return InstrumentDetailSerializer if self.action == "retrieve" else InstrumentSerializer

    def get_queryset(self):
        _require_lead(self.request)
        if self.action == "retrieve":
            return selectors.instruments_available().prefetch_related("domains", "items__domain", "comment_questions")
        return selectors.instruments_available()


@extend_schema_view(
    list=extend_schema(summary="Demographic questions a survey can ask"),
    retrieve=extend_schema(summary="One demographic question with its coded options"),
)
class DemographicQuestionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DemographicQuestionSerializer
    queryset = DemographicQuestion.objects.none()

    def get_queryset(self):
        _require_lead(self.request)
        return selectors.demographic_questions_available()


@extend_schema_view(
    list=extend_schema(summary="Surveys (waves) the lead can see"),
    retrieve=extend_schema(summary="One survey"),
    create=extend_schema(
        summary="Create a draft survey (organisation wellbeing leads)",
        request=SurveyCreateSerializer,
        responses={201: SurveySerializer},
    ),
)
class SurveyViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SurveySerializer
    queryset = Survey.objects.none()

    def get_queryset(self):
        _require_lead(self.request)
        return selectors.surveys_visible_to(access=self.request.access)

    def create(self, request, *args, **kwargs):
        require(request.access.can_lead_organisation)
        incoming = SurveyCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            survey = services.survey_create(organisation=request.organisation, **incoming.validated_data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        return ApiResponse(SurveySerializer(survey).data, status=status.HTTP_201_CREATED)
