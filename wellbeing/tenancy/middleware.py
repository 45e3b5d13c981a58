"""Sets the organisation for every request under /o/<slug>/ and checks the person belongs to it."""

from __future__ import annotations

import re

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404

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
        organisation = Organisation.objects.filter(slug=match["slug"], is_active=True).first()
        if organisation is None:
            raise Http404
        with organisation_scope(organisation):
            memberships = tuple(
                Membership.objects.filter(user=request.user, is_active=True).select_related("school")
            )
            if not memberships:
                raise Http404  # not "forbidden": we do not confirm the organisation exists
            request.organisation = organisation
            request.access = Access(organisation=organisation, memberships=memberships)
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response
