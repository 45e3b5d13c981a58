"""Reads for the members page (inside the organisation of the request)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from wellbeing.tenancy.models import Membership, OrganisationInvitation


def memberships_in_organisation() -> QuerySet[Membership]:
    """Every role held in the organisation in context, active ones first, by person."""
    return Membership.objects.select_related("user", "school").order_by(
        "-is_active", "user__full_name", "user__email", "role"
    )


def pending_invitations_in_organisation() -> QuerySet[OrganisationInvitation]:
    """Invitations sent and not yet accepted that still work."""
    return (
        OrganisationInvitation.objects.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("school", "invited_by")
        .order_by("-created_at")
    )
