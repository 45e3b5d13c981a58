"""Self-assessment pages: review periods, a school's review, rating a commitment with evidence,
signing off, and evidence downloads (only ever through the permission check here)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wellbeing.tenancy.models import Role
from wellbeing.tenancy.permissions import require

from .. import selectors, services
from ..forms import RatingForm, ReviewPeriodForm
from ..models import Commitment, EvidenceFile, EvidenceLink, Rating, Review, ReviewPeriod
from ..permissions import can_edit_review, can_manage_charter, can_read_review
from .common import add_errors


def _review(request, review_id, *, edit: bool) -> Review:
    review = get_object_or_404(Review.objects.select_related("period__version__charter", "school", "signed_off_by"), pk=review_id)
    require(can_edit_review(request.access, review) if edit else can_read_review(request.access, review))
    return review


def _may_follow_reviews(access) -> bool:
    return access.can_lead_organisation or bool(access.schools_for(Role.SCHOOL_LEAD))


@require_http_methods(["GET"])
def review_list(request, org):
    """Review periods and the reviews this person rates (leads)."""
    access = request.access
    require(_may_follow_reviews(access))
    return render(
        request,
        "charters/reviews.html",
        {
            "periods": selectors.review_periods(),
            "to_do": selectors.reviews_to_do(access=access),
            "can_manage": can_manage_charter(access),
            "has_published": selectors.published_version(charter=selectors.charter_of_organisation()) is not None,
        },
    )


@require_http_methods(["GET", "POST"])
def period_add(request, org):
    require(can_manage_charter(request.access))
    today = timezone.localdate()
    form = ReviewPeriodForm(request.POST or None, initial={"opens_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            period = services.review_period_open(organisation=request.organisation, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(name)s is open. Each school's lead can now rate their school.") % {"name": period.name})
            return redirect("charters:period", org=org, period_id=period.pk)
    return render(request, "charters/period_form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET"])
def period_detail(request, org, period_id):
    access = request.access
    require(_may_follow_reviews(access))
    period = get_object_or_404(ReviewPeriod.objects.select_related("version"), pk=period_id)
    if access.can_lead_organisation:
        reviews = selectors.reviews_in_period(period=period)
    else:
        reviews = selectors.reviews_in_period(period=period, school_ids=access.schools_for(Role.SCHOOL_LEAD), organisation=False)
    total = len(selectors.commitments_of(version=period.version))
    return render(request, "charters/period.html", {
        "period": period, "reviews": reviews, "commitment_total": total, "can_manage": can_manage_charter(access),
    })


@require_http_methods(["GET", "POST"])
def period_close(request, org, period_id):
    require(can_manage_charter(request.access))
    period = get_object_or_404(ReviewPeriod, pk=period_id)
    if request.method == "POST":
        services.review_period_close(period=period)
        messages.success(request, _("%(name)s is closed.") % {"name": period.name})
        return redirect("charters:period", org=org, period_id=period.pk)
    return render(request, "charters/period_close.html", {"period": period})


@require_http_methods(["GET"])
def review_detail(request, org, review_id):
    review = _review(request, review_id, edit=False)
    language = get_language()
    rows, summary = selectors.review_rows(review=review, language=language)
    editable = can_edit_review(request.access, review) and not review.is_signed_off and review.period.is_open
    return render(request, "charters/review.html", {
        "review": review,
        "groups": selectors.commitment_groups(rows),
        "summary": summary,
        "editable": editable,
        "language": language,
    })


@require_http_methods(["GET", "POST"])
def rate(request, org, review_id, commitment_id):
    review = _review(request, review_id, edit=True)
    commitment = get_object_or_404(
        Commitment.objects.prefetch_related("item_links__item"), pk=commitment_id, version_id=review.period.version_id
    )
    if review.is_signed_off or not review.period.is_open:
        return redirect("charters:review", org=org, review_id=review.pk)
    rating = Rating.objects.filter(review=review, commitment=commitment).prefetch_related("links", "files").first()
    initial = {"level": rating.level, "narrative": rating.narrative} if rating else {}
    form = RatingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rating_save(
                review=review, commitment=commitment, level=data["level"], narrative=data["narrative"],
                links=[(data["evidence_url"], data["evidence_title"])] if data["evidence_url"] or data["evidence_title"] else [],
                files=[data["evidence_file"]] if data.get("evidence_file") else [],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your rating was saved."))
            if "add_more" in request.POST:
                return redirect("charters:rate", org=org, review_id=review.pk, commitment_id=commitment.pk)
            return redirect(f"{_review_url(org, review.pk)}#commitment-{commitment.pk}")
    language = get_language()
    return render(
        request,
        "charters/rate.html",
        {
            "review": review,
            "commitment": commitment,
            "rating": rating,
            "flagged": selectors.is_flagged(rating),
            "measures": selectors.linked_measures(commitment=commitment, school=review.school, language=language),
            "form": form,
            "language": language,
        },
        status=400 if form.errors else 200,
    )


def _review_url(org, review_id) -> str:
    return reverse("charters:review", kwargs={"org": org, "review_id": review_id})


@require_http_methods(["GET", "POST"])
def sign_off(request, org, review_id):
    review = _review(request, review_id, edit=True)
    if review.is_signed_off or not review.period.is_open:
        return redirect("charters:review", org=org, review_id=review.pk)
    _rows, summary = selectors.review_rows(review=review, language=get_language())
    errors = []
    if request.method == "POST":
        try:
            services.review_sign_off(review=review, by=request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("The review is signed off. It can no longer be changed."))
            return redirect("charters:review", org=org, review_id=review.pk)
    return render(request, "charters/sign_off.html", {"review": review, "summary": summary, "errors": errors},
                  status=400 if errors else 200)


@require_http_methods(["GET"])
def evidence_download(request, org, evidence_file_id):
    """An evidence file, to whoever may read its review; never served from a public address."""
    evidence = get_object_or_404(EvidenceFile.objects.select_related("review"), pk=evidence_file_id)
    require(can_read_review(request.access, evidence.review))
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def evidence_remove(request, org, evidence_file_id):
    evidence = get_object_or_404(EvidenceFile.objects.select_related("review__period", "rating__commitment"), pk=evidence_file_id)
    return _remove(request, org, evidence, lambda: services.evidence_file_remove(evidence=evidence), evidence.original_name)


@require_http_methods(["GET", "POST"])
def link_remove(request, org, evidence_link_id):
    link = get_object_or_404(EvidenceLink.objects.select_related("review__period", "rating__commitment"), pk=evidence_link_id)
    return _remove(request, org, link, lambda: services.evidence_link_remove(link=link), link.title or link.url)


def _remove(request, org, evidence, remove, name):
    review = evidence.review
    require(can_edit_review(request.access, review))
    back = reverse("charters:rate", kwargs={"org": org, "review_id": review.pk, "commitment_id": evidence.rating.commitment_id})
    if request.method == "POST":
        try:
            remove()
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("“%(name)s” was removed.") % {"name": name})
        return redirect(back)
    return render(request, "charters/evidence_remove.html", {"name": name, "back": back, "review": review})
