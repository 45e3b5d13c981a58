"""Reads about organisations and people, for views and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from .context import platform_scope
from .models import Membership, Organisation, School


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


def user_holds_any_role(*, user, roles) -> bool:
    with platform_scope():
        return Membership.objects.unscoped().filter(user=user, is_active=True, role__in=roles).exists()


def schools_in_organisation() -> QuerySet[School]:
    return School.objects.filter(is_active=True).order_by("name")
