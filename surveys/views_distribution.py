"""Wellbeing leads' pages about getting a survey to staff: live response rates, invitations,
and each school's shared link with its printable QR poster.

Permission checks live in surveys/permissions.py; anyone not allowed gets a 404.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from wellbeing.tenancy.models import School
from wellbeing.tenancy.permissions import require

from . import permissions, selectors, services
from .models import SchoolLink, Survey
from .services.distribution import survey_minutes


def _survey(request, survey_id: int) -> tuple[Survey, list[int]]:
    survey = get_object_or_404(Survey.objects.select_related("instrument"), pk=survey_id)
    return survey, selectors.survey_school_ids(survey=survey)


@require_GET
def response_rates(request, org, survey_id):
    """How many were invited and have answered, per school: counts only, and only where at
    least k were invited. Refreshed by a worker after each submission."""
    survey, included = _survey(request, survey_id)
    schools = permissions.response_rate_schools(access=request.access, survey_school_ids=included)
    rows, total = selectors.response_rate_rows(survey=survey, school_ids=schools)
    return render(
        request,
        "surveys/distribution/response_rates.html",
        {
            "survey": survey,
            "rows": rows,
            "total": total,
            "can_invite": permissions.can_send_invitations(access=request.access),
            "can_share": True,
            "closes_at": timezone.localtime(survey.closes_at, ZoneInfo(survey.time_zone)),
        },
    )


def invitations_send(request, org, survey_id):
    """Invite everyone on the roster of the survey's schools who has not been invited yet."""
    require(permissions.can_send_invitations(access=request.access))
    survey, _included = _survey(request, survey_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        queued = services.survey_invite(survey=survey)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if queued:
            messages.success(
                request,
                ngettext(
                    "%(count)d invitation is being sent.", "%(count)d invitations are being sent.", len(queued)
                ) % {"count": len(queued)},
            )
        else:
            messages.info(request, _("Everyone on the roster of these schools has been invited already."))
    return redirect("survey_distribution:response_rates", org=org, survey_id=survey.pk)


def _manageable_schools(request, included) -> frozenset[int]:
    schools = permissions.response_rate_schools(access=request.access, survey_school_ids=included)
    return frozenset(school for school in schools if request.access.can_lead_school(school))


@require_GET
def school_links(request, org, survey_id):
    survey, included = _survey(request, survey_id)
    schools = _manageable_schools(request, included)
    require(bool(schools))
    return render(
        request,
        "surveys/distribution/school_links.html",
        {"survey": survey, "links": selectors.school_links_of_survey(survey=survey, school_ids=schools)},
    )


def school_link_rotate(request, org, survey_id, school_id):
    """Make a school's shared link, or replace it (posters printed before stop working)."""
    survey, included = _survey(request, survey_id)
    permissions.require_school_link_manager(access=request.access, school_id=school_id, survey_school_ids=included)
    school = get_object_or_404(School, pk=school_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    replacing = SchoolLink.objects.filter(survey=survey, school=school).exists()
    try:
        services.school_link_rotate(survey=survey, school=school)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("survey_distribution:school_links", org=org, survey_id=survey.pk)
    if replacing:
        messages.success(request, _("The shared link of %(school)s has been replaced. Posters printed before no longer work.") % {"school": school.name})
    else:
        messages.success(request, _("The shared link of %(school)s is ready. Print its poster.") % {"school": school.name})
    return redirect("survey_distribution:school_link_poster", org=org, survey_id=survey.pk, school_id=school.pk)


_SVG_SIZE = re.compile(r'\s(width|height)="[^"]*"')


def _qr_svg(url: str, label: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = _SVG_SIZE.sub("", image.to_string(encoding="unicode"), count=2)
    # An image with a name for screen readers; the address is printed beside it as text.
    return svg.replace("<svg ", f'<svg class="sw-poster__qr" role="img" aria-label="{escape(label)}" ', 1)


@require_GET
def school_link_poster(request, org, survey_id, school_id):
    """A page to print for the staff room: the school's shared link as a QR code and as text."""
    survey, included = _survey(request, survey_id)
    permissions.require_school_link_manager(access=request.access, school_id=school_id, survey_school_ids=included)
    link = get_object_or_404(SchoolLink.objects.select_related("school"), survey=survey, school_id=school_id)
    url = services.survey_link_url(services.school_link_token(link=link))
    return render(
        request,
        "surveys/distribution/poster.html",
        {
            "survey": survey,
            "link": link,
            "url": url,
            "qr": mark_safe(_qr_svg(url, _("QR code of the survey link"))),  # noqa: S308 (made here, label escaped)
            "minutes": survey_minutes(survey=survey),
            "closes_at": timezone.localtime(survey.closes_at, ZoneInfo(survey.time_zone)),
        },
    )
