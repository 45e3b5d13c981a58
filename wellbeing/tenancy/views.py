"""Home pages: where each person starts, and what they can do next."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .models import Role
from .selectors import organisations_of_user


def home(request):
    """Signed out: what Staffwell is. Signed in: straight to the person's organisation."""
    if not request.user.is_authenticated:
        return render(request, "tenancy/landing.html")
    organisations = organisations_of_user(user=request.user)
    if len(organisations) == 1:
        return redirect("tenancy:organisation_home", org=organisations[0].slug)
    return render(request, "tenancy/choose_organisation.html", {"organisations": organisations})


@login_required
def organisation_home(request, org):
    """The role home page: one card per role the person holds, each with next steps.

    Cards follow the order of `Role` (most responsibility first); a school role names its schools.
    """
    memberships = request.access.memberships
    cards = [
        {
            "role": role.value,
            "title": role.label,
            "schools": sorted({m.school.name for m in memberships if m.role == role and m.school_id}),
        }
        for role in Role
        if role in request.access.roles
    ]
    return render(request, "tenancy/organisation_home.html", {"cards": cards})
