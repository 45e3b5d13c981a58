"""Which evidence files an action's progress update accepts: documents, pictures and plain-text
tables, up to a size set in settings (ACTIONPLANS_EVIDENCE_MAX_BYTES), judged by their content
as well as their name (wellbeing/uploads.py does the checking)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from wellbeing.uploads import FileKind, check_upload

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_UPDATE = 10
EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "docx", "xlsx", "pptx", "csv", "txt")


def max_bytes() -> int:
    return int(getattr(settings, "ACTIONPLANS_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def allowed_names() -> str:
    return _("a PDF, a picture (PNG or JPEG), a Word, Excel or PowerPoint file, or a CSV or text file")


def check_evidence(upload) -> FileKind:
    """The kind of an uploaded file, or a ValidationError saying what is wrong with it."""
    return check_upload(upload, extensions=EXTENSIONS, max_bytes=max_bytes(), types=allowed_names())
