"""Which evidence files a self-assessment accepts: documents and pictures, up to a size set in
settings (CHARTERS_EVIDENCE_MAX_BYTES), judged by their content as well as their name
(wellbeing/uploads.py does the checking)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from wellbeing.uploads import FileKind, check_upload

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "gif", "webp", "docx", "xlsx", "pptx", "odt", "ods", "odp", "doc", "xls", "ppt")


def max_bytes() -> int:
    return int(getattr(settings, "CHARTERS_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def accepted_types() -> str:
    return _("a PDF, a picture (PNG, JPEG, GIF or WebP) or an office document (Word, Excel, PowerPoint or OpenDocument)")


def check_evidence_file(upload) -> FileKind:
    """What kind of file `upload` is, or a ValidationError that says what is wrong with it."""
    return check_upload(upload, extensions=EXTENSIONS, max_bytes=max_bytes(), types=accepted_types())
