"""Brakes on one device answering many times through a school's shared link.

Two of them, neither of which identifies anyone or reaches the database:
* a signed, HttpOnly cookie set when answers are sent through a shared link: that browser is
  shown "already sent" for the survey afterwards;
* a count per hour of answers sent from one network address, kept in Redis under a hash of the
  address salted with a random value that changes every day (and is itself forgotten after a
  day, so the hashes cannot be turned back into addresses by trying them all). The counts expire
  when the survey closes.
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from wellbeing.tenancy.tokens import new_token

from ..models import Survey

COOKIE_SALT = "surveys.shared-link-sent"
SALT_LIFETIME = 26 * 3600  # a little over the day it is used for


def sent_cookie_name(survey_id: int) -> str:
    return f"staffwell_sent_{survey_id}"


def _seconds_until_close(survey: Survey) -> int:
    return max(int((survey.closes_at - timezone.now()).total_seconds()), 60)


def device_has_sent(request, survey: Survey) -> bool:
    value = request.get_signed_cookie(sent_cookie_name(survey.pk), default=None, salt=COOKIE_SALT)
    return value == str(survey.pk)


def mark_device_sent(response, request, survey: Survey) -> None:
    response.set_signed_cookie(
        sent_cookie_name(survey.pk),
        str(survey.pk),
        salt=COOKIE_SALT,
        max_age=_seconds_until_close(survey) + 24 * 3600,
        path="/s/",
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _daily_salt(today: datetime.date) -> str:
    key = f"surveys:network-salt:{today.isoformat()}"
    cache.add(key, new_token(), timeout=SALT_LIFETIME)
    return cache.get(key) or ""


def _network_key(request, survey: Survey) -> str:
    now = timezone.now().astimezone(datetime.UTC)
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{_daily_salt(now.date())}|{address}".encode()).hexdigest()
    return f"surveys:shared-network:{survey.pk}:{now:%Y%m%d%H}:{digest}"


def network_over_limit(request, survey: Survey) -> bool:
    return (cache.get(_network_key(request, survey)) or 0) >= settings.SURVEY_SHARED_LINK_HOURLY_LIMIT


def count_network_submission(request, survey: Survey) -> None:
    key = _network_key(request, survey)
    cache.add(key, 0, timeout=_seconds_until_close(survey))
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout=_seconds_until_close(survey))

