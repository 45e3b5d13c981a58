"""Pages where organisation leads adopt, write, version and publish the charter."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wellbeing.tenancy.permissions import require

from .. import selectors, services
from ..charter_templates import charter_templates
from ..forms import AdoptForm, CharterCreateForm, CharterTextForm, CommitmentForm, language_name
from ..models import CharterVersion, Commitment
from ..permissions import can_manage_charter
from .common import add_errors


def _version_for_lead(request, charter_version_id) -> CharterVersion:
    require(can_manage_charter(request.access))
    return get_object_or_404(CharterVersion.objects.select_related("charter"), pk=charter_version_id)


def _commitment_for_lead(request, commitment_id) -> Commitment:
    require(can_manage_charter(request.access))
    return get_object_or_404(
        Commitment.objects.select_related("version__charter").prefetch_related("item_links"), pk=commitment_id
    )


@require_http_methods(["GET"])
def manage(request, org):
    """The lead's charter page: versions, the draft in hand, review periods."""
    require(can_manage_charter(request.access))
    charter = selectors.charter_of_organisation()
    context = {"charter": charter}
    if charter is None:
        context["templates"] = charter_templates()
    else:
        context.update(
            versions=selectors.versions_of(charter=charter),
            draft=selectors.draft_version(charter=charter),
            published=selectors.published_version(charter=charter),
            periods=selectors.review_periods()[:5],
        )
    return render(request, "charters/manage.html", context)


@require_http_methods(["GET", "POST"])
def adopt(request, org):
    require(can_manage_charter(request.access))
    if selectors.charter_of_organisation() is not None:
        return redirect("charters:manage", org=org)
    language = get_language()
    form = AdoptForm(request.POST or None, language=language,
                     initial={"languages": sorted({request.organisation.default_language, language})})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.charter_adopt(
                organisation=request.organisation, template_code=form.cleaned_data["template"],
                languages=form.cleaned_data["languages"], by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The template is now the draft of your charter. Change anything you want, then publish it."))
            return redirect("charters:version", org=org, charter_version_id=version.pk)
    return render(request, "charters/adopt.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def create(request, org):
    require(can_manage_charter(request.access))
    if selectors.charter_of_organisation() is not None:
        return redirect("charters:manage", org=org)
    form = CharterCreateForm(request.POST or None, initial={"languages": [request.organisation.default_language]})
    if request.method == "POST" and form.is_valid():
        languages = form.cleaned_data["languages"]
        title = form.cleaned_data["title"]
        try:
            version = services.charter_create(
                organisation=request.organisation, title={code: title for code in languages}, intro={},
                languages=languages, by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your charter has been started. Add its commitments, then publish it."))
            return redirect("charters:version", org=org, charter_version_id=version.pk)
    return render(request, "charters/create.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET"])
def version_detail(request, org, charter_version_id):
    version = _version_for_lead(request, charter_version_id)
    language = get_language()
    commitments = selectors.commitments_of(version=version)
    return render(
        request,
        "charters/version.html",
        {
            "version": version,
            "charter": version.charter,
            "groups": selectors.commitment_groups(commitments),
            "commitment_count": len(commitments),
            "language": language,
            "languages": [language_name(code) for code in version.charter.languages],
        },
    )


@require_http_methods(["GET", "POST"])
def version_edit(request, org, charter_version_id):
    version = _version_for_lead(request, charter_version_id)
    if not version.is_draft:
        return redirect("charters:version", org=org, charter_version_id=version.pk)
    languages = version.charter.languages
    form = CharterTextForm(request.POST or None, languages=languages, title=version.title, intro=version.intro)
    if request.method == "POST" and form.is_valid():
        try:
            services.charter_version_update(
                version=version, title=form.texts("title", languages), intro=form.texts("intro", languages)
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The title and introduction were saved."))
            return redirect("charters:version", org=org, charter_version_id=version.pk)
    return render(request, "charters/version_edit.html", {"form": form, "version": version},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def version_publish(request, org, charter_version_id):
    version = _version_for_lead(request, charter_version_id)
    if not version.is_draft:
        return redirect("charters:version", org=org, charter_version_id=version.pk)
    error = None
    if request.method == "POST":
        try:
            services.charter_version_publish(version=version, by=request.user)
        except ValidationError as problem:
            error = problem
        else:
            messages.success(request, _("Version %(number)d of the charter is published. Staff can read it now.") % {"number": version.number})
            return redirect("charters:manage", org=org)
    return render(request, "charters/version_publish.html", {"version": version, "errors": error.messages if error else []},
                  status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def version_discard(request, org, charter_version_id):
    version = _version_for_lead(request, charter_version_id)
    if not version.is_draft:
        return redirect("charters:version", org=org, charter_version_id=version.pk)
    if request.method == "POST":
        services.charter_version_discard(version=version)
        messages.success(request, _("The draft was deleted."))
        return redirect("charters:manage", org=org)
    return render(request, "charters/version_discard.html", {"version": version})


@require_http_methods(["POST"])
def version_new(request, org):
    require(can_manage_charter(request.access))
    charter = selectors.charter_of_organisation()
    require(charter is not None)
    try:
        draft = services.charter_version_new_draft(charter=charter, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("charters:manage", org=org)
    messages.success(request, _("Version %(number)d is a draft copy of the published charter. Ratings carry forward only for the commitments you leave unchanged.") % {"number": draft.number})
    return redirect("charters:version", org=org, charter_version_id=draft.pk)


def _commitment_form(request, version, commitment=None):
    return CommitmentForm(
        request.POST or None, languages=version.charter.languages, items=selectors.items_to_link(),
        language=get_language(), commitment=commitment,
    )


def _commitment_values(form, languages) -> dict:
    return {
        "area": form.cleaned_data["area"],
        "pledged_by": form.cleaned_data.get("pledged_by") or "",
        "statement": form.texts("statement", languages),
        "responsible": form.texts("responsible", languages),
        "evidence": form.texts("evidence", languages),
        "items": list(form.cleaned_data.get("items") or []),
    }


@require_http_methods(["GET", "POST"])
def commitment_add(request, org, charter_version_id):
    version = _version_for_lead(request, charter_version_id)
    if not version.is_draft:
        return redirect("charters:version", org=org, charter_version_id=version.pk)
    form = _commitment_form(request, version)
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_add(version=version, **_commitment_values(form, version.charter.languages))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The commitment was added."))
            return redirect("charters:version", org=org, charter_version_id=version.pk)
    return render(request, "charters/commitment_form.html", {"form": form, "version": version, "commitment": None},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def commitment_edit(request, org, commitment_id):
    commitment = _commitment_for_lead(request, commitment_id)
    version = commitment.version
    if not version.is_draft:
        return redirect("charters:version", org=org, charter_version_id=version.pk)
    form = _commitment_form(request, version, commitment)
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_update(commitment=commitment, **_commitment_values(form, version.charter.languages))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The commitment was saved."))
            return redirect("charters:version", org=org, charter_version_id=version.pk)
    return render(request, "charters/commitment_form.html",
                  {"form": form, "version": version, "commitment": commitment}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def commitment_remove(request, org, commitment_id):
    commitment = _commitment_for_lead(request, commitment_id)
    version = commitment.version
    if not version.is_draft:
        return redirect("charters:version", org=org, charter_version_id=version.pk)
    if request.method == "POST":
        services.commitment_remove(commitment=commitment)
        messages.success(request, _("The commitment was removed from the draft."))
        return redirect("charters:version", org=org, charter_version_id=version.pk)
    return render(request, "charters/commitment_remove.html",
                  {"commitment": commitment, "version": version, "language": get_language()})


@require_http_methods(["GET", "POST"])
def commitment_move(request, org, commitment_id):
    commitment = _commitment_for_lead(request, commitment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if commitment.version.is_draft:
        services.commitment_move(commitment=commitment, up=request.POST.get("direction") == "up")
    return redirect(f"{_version_url(org, commitment.version_id)}#commitment-{commitment.pk}")


def _version_url(org, version_id) -> str:
    return reverse("charters:version", kwargs={"org": org, "charter_version_id": version_id})
