"""The staff page: the published charter, how the person's school rates itself, acknowledging
it, commenting anonymously; and, for leads, the comments that reached a group of k."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wellbeing.tenancy.permissions import require

from .. import selectors, services
from ..forms import CommentForm
from ..models import Commitment, Rating
from ..permissions import can_manage_charter, can_read_charter, comment_school_ids, overview_scope
from .common import add_errors


@dataclass
class StaffRow:
    commitment: Commitment
    rating: Rating | None
    measures: list


@require_http_methods(["GET"])
def charter_page(request, org):
    access = request.access
    require(can_read_charter(access))
    charter = selectors.charter_of_organisation()
    language = selectors.reading_language(charter=charter, language=get_language())
    version = selectors.published_version(charter=charter)
    context = {"charter": charter, "version": version, "can_manage": can_manage_charter(access),
               "can_see_overview": overview_scope(access) is not None}
    if version is None:
        return render(request, "charters/charter_none.html", context)
    school = selectors.school_of_person(access=access, user=request.user)
    review = selectors.latest_signed_off_review(school=school) if school else None
    if review is None:
        review = selectors.latest_signed_off_review(school=None)
    ratings = selectors.ratings_for_version(review=review, version=version)
    rows = [
        StaffRow(
            commitment=commitment,
            rating=ratings.get(commitment.pk),
            measures=selectors.linked_measures(commitment=commitment, school=school, language=language),
        )
        for commitment in selectors.commitments_of(version=version)
    ]
    counts = {level: 0 for level in Rating.Level.values}
    for rating in ratings.values():
        counts[rating.level] += 1
    context.update(
        school=school,
        review=review,
        groups=selectors.commitment_groups(rows),
        counts=counts,
        rated=len(ratings),
        acknowledgement=selectors.acknowledgement_of(version=version, user=request.user),
        language=language,
    )
    return render(request, "charters/charter.html", context)


@require_http_methods(["POST"])
def acknowledge(request, org):
    require(can_read_charter(request.access))
    version = selectors.published_version(charter=selectors.charter_of_organisation())
    require(version is not None)
    services.charter_acknowledge(version=version, user=request.user)
    messages.success(request, _("Thank you for reading the charter."))
    return redirect("charters:charter", org=org)


@require_http_methods(["GET", "POST"])
def comment(request, org, commitment_id):
    access = request.access
    require(can_read_charter(access))
    version = selectors.published_version(charter=selectors.charter_of_organisation())
    require(version is not None)
    commitment = get_object_or_404(Commitment, pk=commitment_id, version=version)
    school = selectors.school_of_person(access=access, user=request.user)
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_comment(commitment=commitment, user=request.user, text=form.cleaned_data["text"], school=school)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Thank you. Your comment was sent without your name."))
            return redirect("charters:charter", org=org)
    return render(request, "charters/comment.html", {
        "form": form, "commitment": commitment, "school": school,
        "language": selectors.reading_language(charter=version.charter, language=get_language()),
        "threshold": request.organisation.reporting_threshold,
    }, status=400 if form.errors else 200)


@require_http_methods(["GET"])
def comments(request, org):
    """Leads read staff comments on the published charter, in groups of at least k."""
    access = request.access
    require(access.can_lead_organisation or bool(comment_school_ids(access)))
    version = selectors.published_version(charter=selectors.charter_of_organisation())
    threshold = request.organisation.reporting_threshold
    groups = (
        selectors.comment_groups(version=version, school_ids=comment_school_ids(access), threshold=threshold)
        if version
        else []
    )
    return render(request, "charters/comments.html", {
        "version": version, "groups": groups, "threshold": threshold,
        "language": selectors.reading_language(charter=version.charter if version else None, language=get_language()),
        "organisation_name": request.organisation.name,
    })
