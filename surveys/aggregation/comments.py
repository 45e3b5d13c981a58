"""Redacting free-text comments before a release publishes them.

A comment can name a colleague or give an email address or a phone number; readers of a release
must see neither. Email addresses and phone numbers are found by pattern. Names are found by
the organisation's roster: any capitalised word that is a first name or a surname of someone on
the roster is replaced, and so is a title followed by a capitalised word ("Mrs Patel"). This
over-redacts the odd ordinary word that is also a name ("May", "Hope"): that is the safe error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<!\w)\+?\d[\d ()-]{7,}\d(?!\w)")
TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame|Prof)\.?\s+[A-Z][\w'-]+")
WORD = re.compile(r"\b[A-Z][a-z][\w'-]*\b")

EMAIL_MARK = "[email]"
PHONE_MARK = "[phone]"
NAME_MARK = "[name]"


def name_words(names: Iterable[str]) -> frozenset[str]:
    """The words of people's names worth matching (two letters or more), lower-cased."""
    words = set()
    for name in names:
        for word in re.findall(r"[\w'-]+", name):
            if len(word) >= 2:
                words.add(word.lower())
    return frozenset(words)


def redact(text: str, *, names: frozenset[str] = frozenset()) -> str:
    """`text` with email addresses, phone numbers and people's names replaced by markers."""
    text = EMAIL.sub(EMAIL_MARK, text)
    text = PHONE.sub(PHONE_MARK, text)
    text = TITLED.sub(NAME_MARK, text)
    if names:
        text = WORD.sub(lambda m: NAME_MARK if m.group(0).lower() in names else m.group(0), text)
    return text
