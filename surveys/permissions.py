"""Who may see a survey's response rates and manage its distribution.

Organisation wellbeing leads see and run everything; a school wellbeing lead sees their own
school(s) of the survey and the organisation's total, and manages their school's shared link.
Everyone else (governors, trustees, partners, staff, admins) gets a 404, as for anything they
may not see: a page never confirms that a survey exists.

Who reads which released results is at the end of this module (`results_access`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

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


# --- released results (exports and the results API) -------------------------------------------
@dataclass(frozen=True)
class ResultsScope:
    """Which result cells of a release one person may read. Organisation leads and trustees:
    every cell; school leads and governors: their own school(s) (and the cluster of small
    schools their school is reported in) plus the organisation-level cells; partners: the
    organisation-level cells only."""

    all_schools: bool
    school_ids: frozenset[int] = frozenset()

    def cells_filter(self, *, clusters: dict[int, list[int]]) -> Q:
        """A filter on ResultCell for one release; `clusters` maps the release's cluster ids to
        their schools."""
        if self.all_schools:
            return Q()
        visible = Q(view__in=ORGANISATION_LEVEL_VIEWS)
        if self.school_ids:
            visible |= Q(view__in=SCHOOL_LEVEL_VIEWS, school_id__in=sorted(self.school_ids))
            mine = [pk for pk, schools in clusters.items() if self.school_ids.intersection(schools)]
            if mine:
                visible |= Q(view="cluster", cluster_id__in=mine)
        return visible


ORGANISATION_LEVEL_VIEWS = ("organisation", "organisation_group", "organisation_two_groups")
SCHOOL_LEVEL_VIEWS = ("school", "school_group")


def results_scope(*, access: Access) -> ResultsScope:
    """The results this person may read; 404 for anyone who reads no results (organisation
    admins, staff)."""
    if access.sees_all_schools:
        return ResultsScope(all_schools=True)
    schools = access.schools_for(Role.SCHOOL_LEAD, Role.GOVERNOR)
    require(bool(schools) or access.has(Role.PARTNER))
    return ResultsScope(all_schools=False, school_ids=frozenset(schools))


# --- results dashboards -----------------------------------------------------------------------
# Who sees which released results (DESIGN.md, "The people"):
#   organisation lead: everything, comments included;
#   trustee: the organisation and every school, no comments;
#   school lead: their school(s) and the organisation's totals, their school's comments;
#   governor: their school(s) and the organisation's totals, no comments;
#   partner: the organisation's published aggregates only (no school, no comments);
#   organisation admin, staff: no results pages at all (404).


@dataclass(frozen=True)
class ResultsAccess:
    """What one person may read of a survey's releases. `school_ids` is None for "every school"."""

    organisation: bool = False
    school_ids: frozenset[int] | None = frozenset()
    organisation_comments: bool = False
    comment_school_ids: frozenset[int] = frozenset()

    @property
    def all_schools(self) -> bool:
        return self.school_ids is None

    def can_read_school(self, school_id: int) -> bool:
        return self.all_schools or school_id in self.school_ids

    def can_read_comments(self, school_id: int | None = None) -> bool:
        if school_id is None:
            return self.organisation_comments
        return self.organisation_comments or school_id in self.comment_school_ids

    @property
    def any_comments(self) -> bool:
        return self.organisation_comments or bool(self.comment_school_ids)

    @property
    def scope_key(self) -> str:
        """Names what this person sees, for cache keys of drawn results."""
        schools = "all" if self.all_schools else ".".join(str(s) for s in sorted(self.school_ids))
        return f"{int(self.organisation)}-{schools}"


def results_access(*, access: Access) -> ResultsAccess:
    """This person's view of released results (the same schools as `results_scope`, plus who
    reads comments); 404 for anyone who reads no results (organisation admins, staff)."""
    scope = results_scope(access=access)
    return ResultsAccess(
        organisation=True,
        school_ids=None if scope.all_schools else scope.school_ids,
        organisation_comments=access.has(Role.ORGANISATION_LEAD),
        comment_school_ids=access.schools_for(Role.SCHOOL_LEAD),
    )


def require_results_school(*, results: ResultsAccess, school_id: int, survey_school_ids) -> None:
    """A school's dashboard: a school of the survey that this person may read; else 404."""
    require(school_id in set(survey_school_ids) and results.can_read_school(school_id))


def require_results_comments(*, results: ResultsAccess, school_id: int | None) -> None:
    require(results.can_read_comments(school_id))
