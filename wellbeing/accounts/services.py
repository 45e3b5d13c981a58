"""Writes an organisation admin causes on people's access: deactivating and reactivating roles.

Invitations (how a person gets a role in the first place) live in wellbeing.tenancy.invitations.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Membership, Role

logger = logging.getLogger(__name__)


def membership_deactivate(*, membership: Membership, by) -> Membership:
    """Take a role away without deleting it: the person loses that access at their next request.

    Raises ValidationError when this is the organisation's last active admin role, because
    nobody would be left to manage people (or to undo this).
    """
    with organisation_scope(membership.organisation_id):
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if not membership.is_active:
            return membership
        if membership.role == Role.ORGANISATION_ADMIN:
            # Lock every admin row: two admins deactivating each other at once must not both win.
            admins = list(
                Membership.objects.select_for_update()
                .filter(role=Role.ORGANISATION_ADMIN, is_active=True)
                .values_list("pk", flat=True)
            )
            if admins == [membership.pk]:
                raise ValidationError(
                    _("This is the organisation's only active admin. Make someone else an admin first."),
                    code="last_admin",
                )
        membership.is_active = False
        membership.save(update_fields=["is_active"])
    logger.info("Membership %s deactivated by user %s", membership.pk, getattr(by, "pk", None))
    return membership


def membership_reactivate(*, membership: Membership, by) -> Membership:
    """Give a deactivated role back, exactly as it was (same role, same school)."""
    with organisation_scope(membership.organisation_id):
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if not membership.is_active:
            membership.is_active = True
            membership.save(update_fields=["is_active"])
    logger.info("Membership %s reactivated by user %s", membership.pk, getattr(by, "pk", None))
    return membership
