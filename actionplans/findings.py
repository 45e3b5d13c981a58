""""Create action from this": the link the results dashboards show beside a result cell.

Registered with the surveys' hook registry (`surveys.hooks.cell_actions`) in
ActionplansConfig.ready, so that the dashboards offer it without knowing the action plans.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from . import permissions


def create_action_link(request, cell) -> tuple[str, str] | None:
    """("Create action from this", the new-action address with the cell filled in) for a person
    who manages the cell's school's plan (or the organisation's, for an organisation or cluster
    cell); None otherwise, and for cells that say nothing to act on (suppressed, or a count)."""
    access = getattr(request, "access", None)
    organisation = getattr(request, "organisation", None)
    if access is None or organisation is None:
        return None
    if not cell.is_reportable or (cell.item_id is None and cell.domain_id is None):
        return None
    if not permissions.can_manage_scope(access, cell.school_id):
        return None
    # A dashboard asks once per row: the address and the words are the same for all of them.
    label_and_url = getattr(request, "_actionplans_new_action", None)
    if label_and_url is None:
        label_and_url = (str(_("Create action from this")),
                         reverse("actionplans:action_new", kwargs={"org": organisation.slug}))
        request._actionplans_new_action = label_and_url
    label, url = label_and_url
    return label, f"{url}?{urlencode({'release': cell.release_id, 'cell': cell.key})}"
