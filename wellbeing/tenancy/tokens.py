"""Secret links: 128-bit random tokens that are emailed out and stored only as a keyed hash.

A database dump therefore holds no usable link, and a lookup by hash needs no comparison in
constant time (the attacker does not know the hash of a token they are guessing). The key is
settings.TOKEN_HASH_KEY, kept apart from SECRET_KEY so that rotating one does not void the other.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

TOKEN_BYTES = 16  # 128 bits: guessing one live link is hopeless at any request rate


def new_token(*, nbytes: int = TOKEN_BYTES) -> str:
    """A fresh URL-safe token (22 characters for the default 128 bits)."""
    if nbytes < TOKEN_BYTES:
        raise ValueError(f"A token needs at least {TOKEN_BYTES} random bytes")
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """The HMAC-SHA256 of the token keyed with TOKEN_HASH_KEY, as 64 hex digits."""
    key = settings.TOKEN_HASH_KEY.encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()
