"""Who may do what inside an organisation: the one place tenancy's permission checks live.

Anything a person may not see answers 404, whether it belongs to another organisation or to
another school of their own: a page never confirms that something exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404

from .models import Membership, Organisation, Role


@dataclass(frozen=True)
class Access:
    """The roles one person holds in the organisation of the current request."""

    organisation: Organisation
    memberships: tuple[Membership, ...] = field(default_factory=tuple)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(m.role for m in self.memberships)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def schools_for(self, *roles: str) -> frozenset[int]:
        return frozenset(m.school_id for m in self.memberships if m.role in roles and m.school_id)

    # --- capabilities -------------------------------------------------------------------------
    @property
    def can_administer(self) -> bool:
        return self.has(Role.ORGANISATION_ADMIN)

    @property
    def can_lead_organisation(self) -> bool:
        return self.has(Role.ORGANISATION_LEAD)

    @property
    def sees_all_schools(self) -> bool:
        """Organisation-wide readers of results and plans."""
        return self.has(Role.ORGANISATION_LEAD, Role.TRUSTEE)

    def can_lead_school(self, school_id: int) -> bool:
        return self.can_lead_organisation or school_id in self.schools_for(Role.SCHOOL_LEAD)

    def can_read_school(self, school_id: int) -> bool:
        return self.sees_all_schools or school_id in self.schools_for(Role.SCHOOL_LEAD, Role.GOVERNOR)

    # --- a scope: one school, or the organisation itself (None) --------------------------------
    # Plans, objectives, reports and meetings belong to a school or to the whole organisation;
    # the apps that keep them ask these questions of a scope.
    def can_read_scope(self, school_id: int | None) -> bool:
        if school_id is None:
            return self.sees_all_schools
        return self.can_read_school(school_id)

    def can_lead_scope(self, school_id: int | None) -> bool:
        if school_id is None:
            return self.can_lead_organisation
        return self.can_lead_school(school_id)

    @property
    def leads_any_scope(self) -> bool:
        return self.can_lead_organisation or bool(self.schools_for(Role.SCHOOL_LEAD))

    @property
    def led_school_ids(self) -> frozenset[int] | None:
        """The schools this person leads; None for an organisation lead (every school)."""
        if self.can_lead_organisation:
            return None
        return self.schools_for(Role.SCHOOL_LEAD)

    def readable_scopes(self, *, field: str = "school") -> Q:
        """Rows of scoped things this person may read, by their `field` school."""
        if self.sees_all_schools:
            return Q()
        return Q(**{f"{field}__in": sorted(self.schools_for(Role.SCHOOL_LEAD, Role.GOVERNOR))})


def require(allowed: bool) -> None:
    """Stop the request with a 404 unless `allowed`."""
    if not allowed:
        raise Http404
