"""Sets the organisation for every request under /o/<slug>/ and checks the person belongs to it.

The organisation and the person's roles in it are remembered per process until either changes
(access_cache.py): a removed role or a deactivated organisation takes effect on the next request."""

from __future__ import annotations

import re

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404

from . import access_cache
from .context import organisation_scope
from .models import Membership, Organisation
from .permissions import Access

ORGANISATION_PATH = re.compile(r"^/o/(?P<slug>[-\w]+)/")


class OrganisationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = ORGANISATION_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        user = request.user
        slug = match["slug"]
        organisation = access_cache.organisations_fact(
            request, user.pk, ("organisation", slug),
            lambda: Organisation.objects.filter(slug=slug, is_active=True).first(),
        )
        if organisation is None:
            raise Http404
        # The scope is set in the database just before the first statement: a page answered
        # from what is kept (a dashboard) costs no transaction at all.
        with organisation_scope(organisation, lazy=True):
            memberships = access_cache.person_and_organisations_fact(
                request, user.pk, ("memberships", organisation.pk),
                lambda: tuple(Membership.objects.filter(user=user, is_active=True).select_related("school")),
            )
            if not memberships:
                raise Http404  # not "forbidden": we do not confirm the organisation exists
            request.organisation = organisation
            request.access = Access(organisation=organisation, memberships=memberships)
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response
