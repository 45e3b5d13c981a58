"""Accounts tests run against the real Redis: each test starts with no rate-limit history."""

import pytest
from django.conf import settings
from django.core.cache import cache


@pytest.fixture(autouse=True)
def forget_rate_limits_and_used_codes():
    """Rate-limit counters and used-TOTP markers live in the real Redis for minutes: wipe this
    run's own keys (its cache prefix only) so tests do not inherit each other's attempts."""
    client = cache._cache.get_client(write=True)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    for pattern in (f"{prefix}:*:allauth:rl:*", f"{prefix}:*:allauth.mfa.totp.used*"):
        for key in client.scan_iter(match=pattern):
            client.delete(key)
    yield
