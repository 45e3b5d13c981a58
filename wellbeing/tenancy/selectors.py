"""Reads about organisations and people, for views and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from . import access_cache
from .context import platform_scope
from .models import Membership, Organisation, RosterImport, School, StaffMember


def organisations_of_user(*, user) -> list[Organisation]:
    """Every organisation in which the person holds an active role (platform-level read)."""
    if not user.is_authenticated:
        return []
    with platform_scope():
        ids = set(
            Membership.objects.unscoped()
            .filter(user=user, is_active=True)
            .values_list("organisation_id", flat=True)
        )
    return list(Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name"))


def organisations_of_user_remembered(request) -> list[Organisation]:
    """`organisations_of_user` for the request's person, remembered per process until their
    roles or any organisation change (access_cache.py)."""
    user = request.user
    if not user.is_authenticated:
        return []
    return access_cache.person_and_organisations_fact(
        request, user.pk, "organisations", lambda: organisations_of_user(user=user))


def user_holds_any_role(*, user, roles) -> bool:
    with platform_scope():
        return Membership.objects.unscoped().filter(user=user, is_active=True, role__in=roles).exists()


def schools_in_organisation() -> QuerySet[School]:
    return School.objects.filter(is_active=True).order_by("name")


# --- Staff roster -------------------------------------------------------------------------------
def staff_on_roster(*, school_id: int | None = None, status: str = "active") -> QuerySet[StaffMember]:
    """The roster, optionally for one school; status is "active", "inactive" (leavers) or "all"."""
    people = StaffMember.objects.select_related("school").order_by("name", "email")
    if school_id:
        people = people.filter(school_id=school_id)
    if status == "active":
        people = people.filter(is_active=True)
    elif status == "inactive":
        people = people.filter(is_active=False)
    return people


def roster_imports_recent(*, limit: int = 5) -> list[RosterImport]:
    return list(RosterImport.objects.select_related("uploaded_by").defer("rows")[:limit])


def schools_with_roster_counts() -> QuerySet[School]:
    """Every school with `on_roster`, the number of active people on the roster there."""
    on_roster = (
        StaffMember.objects.filter(school=OuterRef("pk"), is_active=True)
        .order_by()
        .values("school")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return School.objects.annotate(on_roster=Coalesce(Subquery(on_roster), Value(0))).order_by("name")


def roster_import_progress_key(roster_import: RosterImport) -> str:
    # The upload time makes the key unique even where ids start again (a rebuilt database).
    return f"tenancy:roster-import:{roster_import.pk}:{roster_import.created_at.timestamp()}:processed"


@dataclass(frozen=True)
class RosterProgress:
    status: str
    processed_rows: int
    total_rows: int

    @property
    def finished(self) -> bool:
        return self.status in (RosterImport.Status.DONE, RosterImport.Status.FAILED)

    @property
    def status_label(self) -> str:
        return RosterImport.Status(self.status).label

    @property
    def percent(self) -> int:
        return 100 if self.finished or not self.total_rows else int(100 * self.processed_rows / self.total_rows)


def roster_import_progress(*, roster_import: RosterImport) -> RosterProgress:
    """How far an import is. While a worker runs it, the count comes from the cache (the
    import's own row changes only when its single transaction commits)."""
    if roster_import.status in (RosterImport.Status.DONE, RosterImport.Status.FAILED):
        return RosterProgress(roster_import.status, roster_import.processed_rows, roster_import.total_rows)
    processed = max(roster_import.processed_rows, cache.get(roster_import_progress_key(roster_import)) or 0)
    status = RosterImport.Status.RUNNING if processed else roster_import.status
    return RosterProgress(status, min(processed, roster_import.total_rows), roster_import.total_rows)
