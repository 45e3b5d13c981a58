"""Steps a person takes in the accounts tests: real sign-in through allauth's pages, TOTP codes."""

from __future__ import annotations

import re
import smtplib
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.mail.backends.base import BaseEmailBackend

PASSWORD = "correct horse battery"  # the password UserFactory gives everyone


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The six digits an authenticator app would show now for `secret` (allauth's own maths)."""
    from allauth.mfa import app_settings

    counter = int(at if at is not None else time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def with_verified_email(user):
    """Mark the person's address confirmed, as it is after they clicked allauth's email link
    (mandatory verification would otherwise stop the sign-in at "confirm your email")."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def sign_in_with_password(client, email, password=PASSWORD, *, next_url=None):
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": email, "password": password})


def invitation_link_path(message_body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/invitations/[A-Za-z0-9_-]+/)", message_body)
    assert match, message_body
    return match.group(1)


class RefusingMailServer(BaseEmailBackend):
    """The email provider (a third party, so faked) turning a message away."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"mailbox unavailable")})
