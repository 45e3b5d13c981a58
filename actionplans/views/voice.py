""""You said, we did": the staff page (with the digest opt-in) and publishing an update."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import permissions, selectors, services
from ..forms import PostForm
from ..models import DigestSubscription
from . import add_service_errors, plan_manager, schools_managed


@require_GET
def you_said_we_did(request, org):
    """Every member of the organisation: the updates for their school and the whole organisation."""
    access = request.access
    return render(request, "actionplans/you_said_we_did.html", {
        "posts": selectors.posts_visible_to(access=access, user=request.user),
        "subscribed": DigestSubscription.objects.filter(user=request.user).exists(),
        "can_publish": permissions.can_manage_any(access),
    })


@require_POST
def digest_choice(request, org):
    if request.POST.get("digest") == "on":
        services.digest_subscribe(organisation=request.organisation, user=request.user)
        messages.success(request, _("You will get an email each week when there are new updates."))
    else:
        services.digest_unsubscribe(user=request.user)
        messages.success(request, _("You will no longer get the weekly email."))
    return redirect("actionplans:you_said_we_did", org=org)


@require_http_methods(["GET", "POST"])
@plan_manager
def post_new(request, org):
    access = request.access
    form = PostForm(
        request.POST or None, schools=schools_managed(access), organisation=access.can_lead_organisation,
        actions=selectors.actions_visible_to(access=access).filter(permissions.manage_filter(
            access, field="plan__school")).order_by("-plan__year", "title"),
        findings=selectors.findings_choosable(access=access),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        permissions.require(permissions.can_publish_post(access, getattr(data["school"], "pk", None)))
        try:
            services.post_publish(
                organisation=request.organisation, school=data["school"], you_said=data["you_said"],
                we_did=data["we_did"], action=data["action"], finding=form.finding_reference(),
                quote_figure=data["quote_figure"], author=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your update is published."))
            return redirect("actionplans:you_said_we_did", org=org)
    return render(request, "actionplans/post_form.html", {"form": form}, status=400 if form.errors else 200)
