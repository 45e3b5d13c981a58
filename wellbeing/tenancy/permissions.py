"""Who may do what inside an organisation: the one place tenancy's permission checks live.

Anything a person may not see answers 404, whether it belongs to another organisation or to
another school of their own: a page never confirms that something exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


def require(allowed: bool) -> None:
    """Stop the request with a 404 unless `allowed`."""
    if not allowed:
        raise Http404
