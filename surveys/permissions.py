"""Who may see a survey's response rates and manage its distribution.

Organisation wellbeing leads see and run everything; a school wellbeing lead sees their own
school(s) of the survey and the organisation's total, and manages their school's shared link.
Everyone else (governors, trustees, partners, staff, admins) gets a 404, as for anything they
may not see: a page never confirms that a survey exists.
"""

from __future__ import annotations

from wellbeing.tenancy.models import Role
from wellbeing.tenancy.permissions import Access, require


def response_rate_schools(*, access: Access, survey_school_ids) -> frozenset[int]:
    """The schools of the survey whose rows this person may see; 404 when none."""
    included = frozenset(survey_school_ids)
    if access.can_lead_organisation:
        return included
    schools = included & access.schools_for(Role.SCHOOL_LEAD)
    require(bool(schools))
    return schools


def require_school_link_manager(*, access: Access, school_id: int, survey_school_ids) -> None:
    """Make, replace and print a school's shared link: an organisation lead, or that school's lead."""
    require(school_id in set(survey_school_ids) and access.can_lead_school(school_id))


def can_send_invitations(*, access: Access) -> bool:
    return access.can_lead_organisation
