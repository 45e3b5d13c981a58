"""Guessing passwords for one address is stopped after a few failures (counted in Redis)."""

import pytest
from django.conf import settings

from wellbeing.tenancy.tests.factories import UserFactory

from .steps import PASSWORD, sign_in_with_password, with_verified_email

MESSAGE = "Too many failed login attempts. Try again later."


def _allowed_failures() -> int:
    rate = settings.ACCOUNT_RATE_LIMITS["login_failed"]
    return int(next(part for part in rate.split(",") if part.endswith("/key")).split("/")[0])


@pytest.mark.django_db
def test_after_the_allowed_failures_even_the_right_password_is_refused(client):
    person = with_verified_email(UserFactory(email="guessed@a.example.org"))
    failures = _allowed_failures()

    for attempt in range(failures):
        wrong = sign_in_with_password(client, person.email, "not the password")
        assert wrong.status_code == 200, attempt
        assert "not correct" in wrong.text
        assert MESSAGE not in wrong.text

    refused = sign_in_with_password(client, person.email, PASSWORD)

    assert refused.status_code == 200
    assert MESSAGE in refused.text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_limit_is_per_address_so_colleagues_can_still_sign_in(client):
    target = with_verified_email(UserFactory(email="target@a.example.org"))
    colleague = with_verified_email(UserFactory(email="colleague@a.example.org"))
    for _ in range(_allowed_failures()):
        sign_in_with_password(client, target.email, "not the password")

    response = sign_in_with_password(client, colleague.email, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)
