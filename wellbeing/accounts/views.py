"""People in an organisation (members page, for admins) and accepting an emailed invitation."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from wellbeing.tenancy.invitations import (
    InvitationState,
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_state,
    user_owns_email,
)
from wellbeing.tenancy.models import Membership
from wellbeing.tenancy.permissions import require

from . import invitation_session, services
from .forms import InvitationForm
from .selectors import memberships_in_organisation, pending_invitations_in_organisation

# --- Members page (organisation admins) ---------------------------------------------------------


@require_GET
def members(request, org):
    require(request.access.can_administer)
    context = {
        "memberships": memberships_in_organisation(),
        "invitations": pending_invitations_in_organisation(),
        "form": InvitationForm(),
    }
    return render(request, "accounts/members.html", context)


@require_http_methods(["GET", "POST"])
def invite(request, org):
    """The invitation form on a page of its own (also on the members page, posting here)."""
    require(request.access.can_administer)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = invitation_create(
                organisation=request.organisation,
                invited_by=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                school=form.cleaned_data["school"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": issued.invitation.email},
            )
            return redirect("accounts:members", org=org)
    return render(request, "accounts/invite.html", {"form": form})


def _membership_change(request, org, membership_id, *, action):
    """Confirmation page (GET) and the change itself (POST) for deactivating or reactivating."""
    require(request.access.can_administer)
    membership = get_object_or_404(Membership.objects.select_related("user", "school"), pk=membership_id)
    error = None
    if request.method == "POST":
        service = services.membership_deactivate if action == "deactivate" else services.membership_reactivate
        try:
            service(membership=membership, by=request.user)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            done = (
                _("%(person)s no longer has the role %(role)s.")
                if action == "deactivate"
                else _("%(person)s has the role %(role)s again.")
            )
            messages.success(request, done % {"person": membership.user, "role": membership})
            return redirect("accounts:members", org=org)
    return render(
        request,
        "accounts/membership_confirm.html",
        {"membership": membership, "action": action, "error": error},
    )


@require_http_methods(["GET", "POST"])
def membership_deactivate(request, org, membership_id):
    return _membership_change(request, org, membership_id, action="deactivate")


@require_http_methods(["GET", "POST"])
def membership_reactivate(request, org, membership_id):
    return _membership_change(request, org, membership_id, action="reactivate")


# --- Accepting an invitation (no organisation in the address) -----------------------------------

PROBLEM_STATUS = {"unknown": 404, InvitationState.EXPIRED.value: 410, InvitationState.USED.value: 410}


@require_GET
@never_cache
def invitation_open(request, token):
    """The emailed link: swap the token for the session at once and leave this address.

    Every outcome (valid, expired, used, forged) is a redirect, so no error log line and no
    Referer header ever carries the token.
    """
    invitation_session.remember(request, invitation_for_token(token))
    response = redirect("invitations:accept")
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "POST"])
@never_cache
def invitation_accept_page(request):
    """The token-free page: what the person is invited to, and the way in (sign up, sign in,
    or accept at once when already signed in with the invited address)."""
    problem = request.session.pop(invitation_session.PROBLEM_KEY, None)
    if problem:
        return _invitation_problem(request, problem)
    joined = request.session.pop(invitation_session.JOINED_KEY, None)
    invitation = invitation_session.invitation_in_session(request)
    if invitation is None:
        if joined and request.user.is_authenticated:
            # Accepted on sign-up or sign-in (signals.py): on to the organisation.
            return redirect("tenancy:organisation_home", org=joined)
        return _invitation_problem(request, "unknown")
    state = invitation_state(invitation)
    if state is not InvitationState.VALID:
        invitation_session.forget(request)
        return _invitation_problem(request, state.value)

    context = {"invitation": invitation}
    if not request.user.is_authenticated:
        query = urlencode({"next": reverse("invitations:accept")})
        context.update(
            has_account=get_user_model().objects.filter(email__iexact=invitation.email).exists(),
            signup_url=f"{reverse('account_signup')}?{query}",
            login_url=f"{reverse('account_login')}?{query}",
        )
        return render(request, "accounts/invitation.html", context)

    if not user_owns_email(request.user, invitation.email):
        context["wrong_person"] = True
        return render(request, "accounts/invitation.html", context, status=403)
    if request.method == "POST":
        try:
            invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as error:
            context["error"] = error.messages[0]
            return render(request, "accounts/invitation.html", context, status=409)
        invitation_session.forget(request)
        messages.success(
            request,
            _("You have joined %(organisation)s as %(role)s.")
            % {"organisation": invitation.organisation, "role": invitation.get_role_display()},
        )
        return redirect("tenancy:organisation_home", org=invitation.organisation.slug)
    return render(request, "accounts/invitation.html", context)


def _invitation_problem(request, problem):
    return render(
        request,
        "accounts/invitation_problem.html",
        {"problem": problem},
        status=PROBLEM_STATUS.get(problem, 404),
    )
