"""Who may read and change objectives, plans, actions, "you said, we did" updates and workload
impact assessments: the one place these rules live.

* Organisation wellbeing lead: everything, for every school and the organisation.
* School wellbeing lead: their school's objectives, plan, actions and assessments, to read and
  change; the organisation's own (school-less) objectives and plan are not theirs.
* Trustee: reads everything. Governor: reads their school's.
* Workload impact assessments of the whole organisation apply to every school, so school leads
  and governors read those too (they change only their school's).
* "You said, we did": everyone in the organisation reads the organisation-wide updates, and a
  school's updates reach the people of that school: staff on its roster (matched by email),
  its leads and governors, and organisation-wide readers. Staff, partners and admins see
  nothing else of this app.

Anything a person may not see answers 404, as everywhere (wellbeing.tenancy.permissions), for
reading and for changing alike: a school lead changing another school's action gets the same
404 as one reading it.
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower

from surveys.permissions import ORGANISATION_LEVEL_VIEWS, SCHOOL_LEVEL_VIEWS
from wellbeing.tenancy.models import Role, StaffMember
from wellbeing.tenancy.permissions import Access, require

__all__ = ["require"]

_PLAN_READERS = (Role.ORGANISATION_LEAD, Role.TRUSTEE, Role.SCHOOL_LEAD, Role.GOVERNOR)


def uses_plans(access: Access) -> bool:
    """May open the plans, objectives and assessments pages at all."""
    return access.has(*_PLAN_READERS)


def can_read_scope(access: Access, school_id: int | None) -> bool:
    """Objectives, plans and actions of one school, or of the organisation (None)."""
    return access.can_read_scope(school_id)


def can_manage_scope(access: Access, school_id: int | None) -> bool:
    return access.can_lead_scope(school_id)


def can_manage_any(access: Access) -> bool:
    return access.leads_any_scope


def managed_school_ids(access: Access) -> frozenset[int] | None:
    """The schools this person leads; None for an organisation lead (every school)."""
    return access.led_school_ids


def scope_filter(access: Access, *, field: str = "school") -> Q:
    """Rows (objectives, plans...) this person may read, by their `field` school."""
    return access.readable_scopes(field=field)


def manage_filter(access: Access, *, field: str = "school") -> Q:
    schools = managed_school_ids(access)
    if schools is None:
        return Q()
    return Q(**{f"{field}__in": sorted(schools)})


def can_cite_cell(access: Access, cell) -> bool:
    """A survey finding (a result cell) is cited only by someone who may read it on the results
    dashboards: everyone who plans reads the organisation's totals; a school lead their own
    school's cells and the cluster their school is reported in."""
    if access.sees_all_schools or cell.view in ORGANISATION_LEVEL_VIEWS:
        return True
    schools = access.schools_for(Role.SCHOOL_LEAD, Role.GOVERNOR)
    if cell.view in SCHOOL_LEVEL_VIEWS:
        return cell.school_id in schools
    if cell.view == "cluster" and cell.cluster_id:
        return bool(schools.intersection(cell.cluster.school_ids))
    return False


# --- Workload impact assessments --------------------------------------------------------------
def can_read_assessment(access: Access, school_id: int | None) -> bool:
    if school_id is None:
        return uses_plans(access)
    return access.can_read_school(school_id)


def assessment_filter(access: Access) -> Q:
    if access.sees_all_schools:
        return Q()
    schools = access.schools_for(Role.SCHOOL_LEAD, Role.GOVERNOR)
    return Q(school__isnull=True) | Q(school__in=sorted(schools))


# --- "You said, we did" ---------------------------------------------------------------------
def audience_school_ids(access: Access, user) -> frozenset[int] | None:
    """The schools whose updates this person receives; None for every school."""
    if access.sees_all_schools:
        return None
    schools = set(access.schools_for(Role.SCHOOL_LEAD, Role.GOVERNOR))
    if user.email:
        # Matched as the roster's unique index is (lower-cased email), so the index serves it.
        on_roster = StaffMember.objects.annotate(email_lower=Lower("email")).filter(
            email_lower=user.email.lower(), is_active=True)
        schools.update(on_roster.values_list("school_id", flat=True))
    return frozenset(schools)


def post_filter(access: Access, user) -> Q:
    schools = audience_school_ids(access, user)
    if schools is None:
        return Q()
    return Q(school__isnull=True) | Q(school__in=sorted(schools))


def can_publish_post(access: Access, school_id: int | None) -> bool:
    return can_manage_scope(access, school_id)


def access_of(*, organisation, user) -> Access:
    """The same Access the middleware builds for a request, for work done outside one (emails)."""
    from wellbeing.tenancy.models import Membership

    memberships = tuple(Membership.objects.filter(user=user, is_active=True).select_related("school"))
    return Access(organisation=organisation, memberships=memberships)
