"""Who may read and prepare board reports: the one place the reports app decides it.

* organisation wellbeing lead: every report and meeting; prepares the trust board's report and
  any school's, and keeps the meeting calendar;
* trustee: reads every report (the trust board's and every school's);
* school wellbeing lead: their school's reports and meetings; prepares their school's report;
* governor: reads their school's reports only (another school's report is a 404);
* partners, staff and organisation admins: nothing here. Board packs are for the boards; the
  published results partners may see are on the results pages.

Anything not allowed is a 404, as everywhere (wellbeing.tenancy.permissions).
"""

from __future__ import annotations

from django.db.models import Q

from wellbeing.tenancy.models import Role
from wellbeing.tenancy.permissions import Access, require

__all__ = ["require"]


def uses_reports(access: Access) -> bool:
    return access.has(Role.ORGANISATION_LEAD, Role.TRUSTEE, Role.SCHOOL_LEAD, Role.GOVERNOR)


def can_read_scope(access: Access, school_id: int | None) -> bool:
    """Reports and meetings of one school, or of the trust board (None)."""
    return access.can_read_scope(school_id)


def can_prepare(access: Access, school_id: int | None) -> bool:
    """Generate a report (or a new version) and keep the meeting calendar for the scope."""
    return access.can_lead_scope(school_id)


def can_prepare_any(access: Access) -> bool:
    return access.leads_any_scope


def preparable_school_ids(access: Access) -> frozenset[int] | None:
    """Schools whose reports the person prepares; None: every school and the trust board."""
    return access.led_school_ids


def scope_filter(access: Access, *, field: str = "school") -> Q:
    """Rows (reports, meetings) this person may read."""
    return access.readable_scopes(field=field)


def reader_roles(school_id: int | None) -> tuple[str, ...]:
    """Who is told by email that a meeting's report is ready: the governors of the school, or
    the trustees for the trust board."""
    return (Role.GOVERNOR,) if school_id is not None else (Role.TRUSTEE,)
