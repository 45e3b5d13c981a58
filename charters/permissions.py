"""Who may do what with the charter: the one place the charters app decides it.

* organisation wellbeing lead: everything (the charter, its versions, every review, comments);
* school wellbeing lead: rates and signs off their own school's review, reads its comments;
* governor: reads their school's signed-off reviews;
* trustee: reads every signed-off review and the overview;
* partner: reads the published charter and the overview;
* staff (and everyone in the organisation): the staff page, acknowledgement, anonymous comments.

Beyond its leads a review is shown once it is signed off. Anything not allowed is a 404, as in
tenancy: a page never confirms that another school's review exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from wellbeing.tenancy.models import Role
from wellbeing.tenancy.permissions import Access


def can_manage_charter(access: Access) -> bool:
    """Adopt, edit and publish the charter; open and close review periods."""
    return access.can_lead_organisation


def can_read_charter(access: Access) -> bool:
    """The published charter: everyone who belongs to the organisation."""
    return bool(access.memberships)


def can_edit_review(access: Access, review) -> bool:
    if review.school_id is None:
        return access.can_lead_organisation
    return access.can_lead_school(review.school_id)


def can_read_review(access: Access, review) -> bool:
    if can_edit_review(access, review):
        return True
    if not review.is_signed_off:
        return False
    if review.school_id is None:
        return access.sees_all_schools
    return access.can_read_school(review.school_id)


def can_read_comments(access: Access, school_id: int | None) -> bool:
    """Anonymous comments (in groups of at least k) go to leads, never to governors or partners."""
    if access.can_lead_organisation:
        return True
    return school_id is not None and school_id in access.schools_for(Role.SCHOOL_LEAD)


def comment_school_ids(access: Access) -> frozenset[int] | None:
    """Schools whose comments the person reads; None: every school and the organisation."""
    if access.can_lead_organisation:
        return None
    return access.schools_for(Role.SCHOOL_LEAD)


def can_use_api(access: Access) -> bool:
    return access.can_lead_organisation or bool(access.schools_for(Role.SCHOOL_LEAD))


@dataclass(frozen=True)
class OverviewScope:
    """What one person's overview shows."""

    school_ids: frozenset[int] | None  # None: every school
    organisation_column: bool
    # Leads follow reviews while they are being written; everyone else sees signed-off ones.
    in_progress_school_ids: frozenset[int] | None  # None: all (organisation leads)
    in_progress_organisation: bool


def overview_scope(access: Access) -> OverviewScope | None:
    if access.can_lead_organisation:
        return OverviewScope(None, True, None, True)
    if access.has(Role.TRUSTEE, Role.PARTNER):
        return OverviewScope(None, True, frozenset(), False)
    own = access.schools_for(Role.SCHOOL_LEAD, Role.GOVERNOR)
    if own:
        return OverviewScope(own, False, access.schools_for(Role.SCHOOL_LEAD), False)
    return None


def can_see_review_progress(access: Access, review) -> bool:
    """May see the review's ratings before it is signed off."""
    return can_edit_review(access, review)
