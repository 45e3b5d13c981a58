"""API for wellbeing leads: instruments (read) and surveys (read, create a draft); and released
results (read) for everyone who reads results, with the dashboards' rules (permissions.results_scope).

Everything answers 404 to anyone who is not a lead of the organisation in the URL, and another
organisation's survey is simply not found (scoped managers), never "forbidden".
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response as ApiResponse
from rest_framework.settings import api_settings

from wellbeing.tenancy.models import Role, School
from wellbeing.tenancy.permissions import require

from . import exports, selectors, services
from .models import (
    CommentQuestion,
    DemographicQuestion,
    Domain,
    Instrument,
    Item,
    Release,
    ResultCell,
    Survey,
)
from .permissions import results_scope
from .results import release_latest


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


# --- released results (Power BI, Excel, scripts) ---------------------------------------------------
class ResultCellCsvRenderer(BaseRenderer):
    """`?format=csv`: every matching cell as one CSV (no pages), columns as in the JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, (bytes, str)):
            return data
        # Errors (404, bad filters) are small dicts: shown as a one-column CSV.
        return "".join(
            chunk.decode("utf-8") for chunk in exports.csv_stream(["detail"], [[str(data)]])
        ).encode("utf-8")


class ResultsPagination(PageNumberPagination):
    page_size = 1000
    page_size_query_param = "page_size"
    max_page_size = 10000


class ReleaseSerializer(serializers.ModelSerializer):
    survey_title = serializers.CharField(source="survey.title", read_only=True)
    threshold = serializers.IntegerField(source="survey.threshold", read_only=True,
                                         help_text="k: groups of fewer answers show no statistic")
    kind = serializers.CharField(read_only=True, help_text='"interim" or "final"')
    status = serializers.CharField(read_only=True, help_text='"published", or "superseded" by a later release')

    class Meta:
        model = Release
        fields = ["id", "survey", "survey_title", "kind", "number", "status", "published_on", "respondents",
                  "threshold"]


class ResultCellSerializer(serializers.Serializer):
    """One result cell, flat (one value per column). Suppressed cells have null statistics and
    say why in `not_shown`; banded cells (fewer than 10 answers) show only n and the band."""

    release = serializers.IntegerField()
    survey = serializers.CharField(help_text="The survey's title")
    key = serializers.CharField(help_text="view/place/groups/measure in codes: the same cell of two waves has the "
                                          "same key")
    view = serializers.ChoiceField(choices=ResultCell.View.choices)
    view_label = serializers.CharField()
    school_id = serializers.IntegerField(allow_null=True)
    place = serializers.CharField(help_text="The organisation, school or cluster of small schools")
    question_1 = serializers.CharField()
    question_1_label = serializers.CharField()
    group_1 = serializers.CharField()
    group_1_label = serializers.CharField()
    question_2 = serializers.CharField()
    question_2_label = serializers.CharField()
    group_2 = serializers.CharField()
    group_2_label = serializers.CharField()
    measure_type = serializers.ChoiceField(choices=["count", "item", "domain"])
    domain = serializers.CharField()
    domain_label = serializers.CharField()
    measure = serializers.CharField(help_text="Item or domain code (empty for the respondent count)")
    measure_label = serializers.CharField()
    disclosure = serializers.ChoiceField(choices=ResultCell.Disclosure.choices)
    suppression = serializers.ChoiceField(choices=ResultCell.Suppression.choices, allow_blank=True)
    not_shown = serializers.CharField(help_text='Why a suppressed cell has no numbers, e.g. "fewer than 5"')
    respondents = serializers.IntegerField(allow_null=True)
    n = serializers.IntegerField(allow_null=True, help_text="Valid answers")
    pct_favourable = serializers.IntegerField(allow_null=True)
    pct_neutral = serializers.IntegerField(allow_null=True)
    pct_unfavourable = serializers.IntegerField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    sd = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True, help_text="Wilson 95 % interval of % favourable")
    ci_high = serializers.FloatField(allow_null=True)
    favourable_band_low = serializers.IntegerField(allow_null=True)
    favourable_band_high = serializers.IntegerField(allow_null=True)
    favourable_band = serializers.CharField()
    distribution_1 = serializers.IntegerField(allow_null=True)
    distribution_2 = serializers.IntegerField(allow_null=True)
    distribution_3 = serializers.IntegerField(allow_null=True)
    distribution_4 = serializers.IntegerField(allow_null=True)
    distribution_5 = serializers.IntegerField(allow_null=True)
    change = serializers.FloatField(allow_null=True, help_text="Points of % favourable since the previous wave")
    change_significant = serializers.BooleanField(allow_null=True)
    mean_change = serializers.FloatField(allow_null=True)
    mean_change_significant = serializers.BooleanField(allow_null=True)
    difference = serializers.FloatField(allow_null=True, help_text="Points of % favourable from the rest of the "
                                                                   "organisation")
    difference_significant = serializers.BooleanField(allow_null=True)
    mean_difference = serializers.FloatField(allow_null=True)
    mean_difference_significant = serializers.BooleanField(allow_null=True)


@extend_schema_view(list=extend_schema(summary="Visible releases of survey results (published and superseded)"))
class ReleaseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ReleaseSerializer
    queryset = Release.objects.none()

    def get_queryset(self):
        results_scope(access=self.request.access)
        return exports.releases_for_reader()


RESULT_FILTERS = [
    OpenApiParameter("release", int, description="Release id (default: the latest wave's published release)"),
    OpenApiParameter("view", str, enum=ResultCell.View.values),
    OpenApiParameter("school", int, description="School id"),
    OpenApiParameter("measure", str, description='"count", "item:<code>" or "domain:<code>"'),
    OpenApiParameter("disclosure", str, enum=ResultCell.Disclosure.values),
]


@extend_schema_view(list=extend_schema(
    summary="Result cells of a release, flat, for Power BI and Excel (add ?format=csv for one CSV)",
    parameters=RESULT_FILTERS,
))
class ResultCellViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ResultCellSerializer
    queryset = ResultCell.objects.none()
    pagination_class = ResultsPagination
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, ResultCellCsvRenderer]

    def _release(self) -> Release:
        wanted = self.request.query_params.get("release")
        if wanted is None:
            latest = release_latest()
            if latest is None:
                raise Http404
            return latest
        if not wanted.isdigit():
            raise serializers.ValidationError({"release": "A release id is a number."})
        release = exports.release_visible(release_id=int(wanted))
        if release is None:
            raise Http404
        return release

    def get_queryset(self):
        scope = results_scope(access=self.request.access)
        self.release = self._release()
        cells = exports.cells_for_reader(release=self.release, scope=scope)
        params = self.request.query_params
        if "view" in params:
            if params["view"] not in ResultCell.View.values:
                raise serializers.ValidationError({"view": f"One of: {', '.join(ResultCell.View.values)}."})
            cells = cells.filter(view=params["view"])
        if "school" in params:
            if not params["school"].isdigit():
                raise serializers.ValidationError({"school": "A school id is a number."})
            cells = cells.filter(school_id=int(params["school"]))
        if "measure" in params:
            measure = params["measure"]
            if not (measure == "count" or measure.startswith(("item:", "domain:"))) or "/" in measure:
                raise serializers.ValidationError({"measure": 'Use "count", "item:<code>" or "domain:<code>".'})
            cells = cells.filter(key__endswith=f"/{measure}")
        if "disclosure" in params:
            if params["disclosure"] not in ResultCell.Disclosure.values:
                raise serializers.ValidationError(
                    {"disclosure": f"One of: {', '.join(ResultCell.Disclosure.values)}."})
            cells = cells.filter(disclosure=params["disclosure"])
        return cells

    def list(self, request, *args, **kwargs):
        cells = self.get_queryset()
        labels = exports.Labels.of(self.release)
        if request.accepted_renderer.format == "csv":
            records = exports.cell_records(cells, labels)
            body = b"".join(exports.csv_stream(
                list(exports.RECORD_FIELDS), ([r[f] for f in exports.RECORD_FIELDS] for r in records)
            ))
            filename = exports.export_filename(self.release, "csv")
            return ApiResponse(body, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
        page = self.paginate_queryset(cells)
        return self.get_paginated_response([exports.cell_record(cell, labels) for cell in page])
