"""API for objectives, actions and progress updates (mounted under /o/<org>/api/).

Reading follows the same rules as the pages (actionplans.permissions): organisation leads and
trustees read everything, school leads and governors their schools'; everyone else, and anyone
asking for another organisation's or another school's rows, gets a 404. Leads may add a progress
update (a note, without files: evidence is uploaded through the page, where it is checked).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response as ApiResponse

from . import permissions, selectors, services
from .models import Action, ActionFinding, Evidence, MetricReading, Objective, ProgressUpdate


def _require_reader(request) -> None:
    permissions.require(permissions.uses_plans(request.access))


class PersonField(serializers.CharField):
    def to_representation(self, user) -> str:
        return user.full_name or user.email


class ReadingSerializer(serializers.ModelSerializer):
    release_id = serializers.IntegerField(read_only=True, allow_null=True,
                                          help_text="The release a survey measure's value was read from")

    class Meta:
        model = MetricReading
        fields = ["date", "value", "state", "significant_change", "source", "is_baseline", "release_id"]


class ObjectiveSerializer(serializers.ModelSerializer):
    school = serializers.PrimaryKeyRelatedField(read_only=True, help_text="Empty for the whole organisation")
    owner = PersonField(read_only=True, allow_null=True)
    measure_item = serializers.SlugRelatedField(slug_field="code", read_only=True)
    measure_domain = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.CharField(read_only=True)
    current_value = serializers.DecimalField(
        max_digits=9, decimal_places=2, read_only=True, allow_null=True,
        help_text="Empty while there is no reading, and when the latest survey cell is not reportable",
    )

    class Meta:
        model = Objective
        fields = [
            "id", "title", "school", "owner", "rationale", "metric_kind", "measure_item", "measure_domain",
            "statistic", "series", "custom_name", "unit", "higher_is_better", "baseline_value", "baseline_date",
            "target_value", "target_date", "status", "current_value", "current_as_of", "significant_change",
        ]


class ObjectiveDetailSerializer(ObjectiveSerializer):
    readings = ReadingSerializer(many=True, read_only=True)

    class Meta(ObjectiveSerializer.Meta):
        fields = [*ObjectiveSerializer.Meta.fields, "readings"]


class FindingSerializer(serializers.ModelSerializer):
    release_id = serializers.IntegerField(source="cell.release_id", read_only=True,
                                          help_text="The release the result cell belongs to")
    cell_key = serializers.CharField(source="cell.key", read_only=True,
                                     help_text="The result cell's key, the same in every wave")

    class Meta:
        model = ActionFinding
        fields = ["release_id", "cell_key", "description"]


class ActionSerializer(serializers.ModelSerializer):
    year = serializers.CharField(source="plan.year", read_only=True)
    school = serializers.IntegerField(source="plan.school_id", read_only=True, allow_null=True)
    owner = PersonField(read_only=True, allow_null=True)
    objectives = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    commitments = serializers.PrimaryKeyRelatedField(many=True, read_only=True,
                                                     help_text="Charter commitments the action helps keep")
    findings = FindingSerializer(many=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Action
        fields = [
            "id", "plan", "year", "school", "title", "description", "level", "area", "owner", "start_date",
            "due_date", "status", "is_overdue", "objectives", "commitments", "findings",
        ]


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "name", "content_type", "size"]


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author = PersonField(read_only=True, allow_null=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "action", "date", "note", "author", "evidence"]


class ProgressUpdateCreateSerializer(serializers.Serializer):
    action = serializers.IntegerField()
    date = serializers.DateField()
    note = serializers.CharField()
    status = serializers.ChoiceField(choices=Action.Status.choices, required=False, allow_blank=True,
                                     help_text="The action's new status, if it changes")


@extend_schema_view(
    list=extend_schema(summary="SMART objectives the person may read, with their latest value and status"),
    retrieve=extend_schema(summary="One objective with every reading of its measure"),
)
class ObjectiveViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Objective.objects.none()

    def get_serializer_class(self):
        return ObjectiveDetailSerializer if self.action == "retrieve" else ObjectiveSerializer

    def get_queryset(self):
        _require_reader(self.request)
        objectives = selectors.objectives_visible_to(access=self.request.access)
        return objectives.prefetch_related("readings") if self.action == "retrieve" else objectives


@extend_schema_view(
    list=extend_schema(summary="Actions of the plans the person may read"),
    retrieve=extend_schema(summary="One action, with its objectives and the survey findings behind it"),
)
class ActionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ActionSerializer
    queryset = Action.objects.none()

    def get_queryset(self):
        _require_reader(self.request)
        return (
            selectors.actions_visible_to(access=self.request.access)
            .prefetch_related("objectives", "commitments", "findings__cell")
            .order_by("-plan__year", "due_date", "pk")
        )


@extend_schema_view(
    list=extend_schema(summary="Progress updates on the actions the person may read"),
    retrieve=extend_schema(summary="One progress update"),
    create=extend_schema(
        summary="Add a progress update to an action (its plan's leads; evidence files go through the page)",
        request=ProgressUpdateCreateSerializer,
        responses={201: ProgressUpdateSerializer},
    ),
)
class ProgressUpdateViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ProgressUpdateSerializer
    queryset = ProgressUpdate.objects.none()

    def get_queryset(self):
        _require_reader(self.request)
        return selectors.updates_visible_to(access=self.request.access).prefetch_related("evidence")

    def create(self, request, *args, **kwargs):
        access = request.access
        incoming = ProgressUpdateCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        action = selectors.actions_visible_to(access=access).filter(pk=data["action"]).first()
        permissions.require(action is not None and permissions.can_manage_scope(access, action.plan.school_id))
        try:
            update = services.progress_update_add(action=action, date=data["date"], note=data["note"],
                                                  status=data.get("status") or None, author=request.user)
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        return ApiResponse(ProgressUpdateSerializer(update).data, status=status.HTTP_201_CREATED)
