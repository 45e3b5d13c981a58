"""What an evidence file may be: its size, and its type judged by its content, not its name.

A file is accepted when its extension is one of a short list of documents and pictures AND its
first bytes are what that type starts with (a renamed program or web page is refused). Office
files are ZIP archives: only their table of contents is read, never unpacked.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_UPDATE = 10


def max_bytes() -> int:
    return getattr(settings, "ACTIONPLANS_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES)


@dataclass(frozen=True)
class EvidenceType:
    extension: str
    content_type: str


def _starts(*prefixes: bytes):
    return lambda head, upload: any(head.startswith(p) for p in prefixes)


def _office(folder: str):
    def check(head: bytes, upload) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return "[Content_Types].xml" in names and any(name.startswith(folder) for name in names)

    return check


def _plain_text(head: bytes, upload) -> bool:
    upload.seek(0)
    content = upload.read()
    if b"\x00" in content:
        return False
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    # A web page saved as .txt would open in a browser as a page: refuse markup.
    return not text.lstrip()[:15].lower().startswith(("<!doctype", "<html", "<svg", "<?xml"))


ALLOWED = {
    "pdf": (EvidenceType("pdf", "application/pdf"), _starts(b"%PDF-")),
    "png": (EvidenceType("png", "image/png"), _starts(b"\x89PNG\r\n\x1a\n")),
    "jpg": (EvidenceType("jpg", "image/jpeg"), _starts(b"\xff\xd8\xff")),
    "jpeg": (EvidenceType("jpg", "image/jpeg"), _starts(b"\xff\xd8\xff")),
    "docx": (
        EvidenceType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        _office("word/"),
    ),
    "xlsx": (
        EvidenceType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        _office("xl/"),
    ),
    "pptx": (
        EvidenceType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        _office("ppt/"),
    ),
    "csv": (EvidenceType("csv", "text/csv"), _plain_text),
    "txt": (EvidenceType("txt", "text/plain"), _plain_text),
}


def allowed_names() -> str:
    return "PDF, PNG, JPEG, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), CSV, TXT"


def check_evidence(upload) -> EvidenceType:
    """The type of an uploaded file, or a ValidationError saying what is wrong with it."""
    name = PurePath(upload.name or "").name
    limit = max_bytes()
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("%(name)s is empty."), code="evidence_empty", params={"name": name})
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is larger than %(limit)s. Choose a smaller file."),
            code="evidence_size", params={"name": name, "limit": filesizeformat(limit)},
        )
    extension = PurePath(name).suffix.lower().lstrip(".")
    known = ALLOWED.get(extension)
    refused = ValidationError(
        _("%(name)s is not a file type you can attach. Attach one of: %(types)s."),
        code="evidence_type", params={"name": name, "types": allowed_names()},
    )
    if known is None:
        raise refused
    evidence_type, looks_right = known
    upload.seek(0)
    head = upload.read(16)
    try:
        if not looks_right(head, upload):
            raise refused
    finally:
        upload.seek(0)
    return evidence_type
