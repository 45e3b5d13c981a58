"""Read-only API for an organisation's schools, for leads and admins (Power BI, Excel, scripts)."""

from rest_framework import serializers, viewsets

from .models import School
from .permissions import require
from .selectors import schools_in_organisation


class SchoolSerializer(serializers.ModelSerializer):
    class Meta:
        model = School
        fields = ["id", "name", "phase", "staff_count", "is_active"]


class SchoolViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SchoolSerializer
    queryset = School.objects.none()  # for the schema; real rows come from the selector

    def get_queryset(self):
        access = self.request.access
        require(access.can_administer or access.can_lead_organisation or access.sees_all_schools)
        return schools_in_organisation()
