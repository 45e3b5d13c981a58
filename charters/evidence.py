"""Which evidence files a self-assessment accepts: documents and pictures, judged by what the
file contains as well as by its name, up to a size set in settings (CHARTERS_EVIDENCE_MAX_BYTES).

A renamed program or web page is refused: the first bytes must be those of the type the name
claims. Office files are ZIP archives; only their list of contents is read, nothing is unpacked.
SVG is not accepted: it is a web page in disguise and could run script when opened.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Word, Excel and PowerPoint files


def max_bytes() -> int:
    return int(getattr(settings, "CHARTERS_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str
    looks_right: Callable


def _starts_with(*prefixes: bytes) -> Callable:
    return lambda head, upload: head.startswith(prefixes)


def _webp(head: bytes, upload) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _zip_holding(*required: str) -> Callable:
    """An Office Open XML or OpenDocument file: a ZIP archive with the parts its type must have."""

    def check(head: bytes, upload) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return all(any(name.startswith(part) for name in names) for part in required)

    return check


_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."
KINDS = {
    kind.extension: kind
    for kind in (
        FileKind("pdf", "application/pdf", _starts_with(b"%PDF-")),
        FileKind("png", "image/png", _starts_with(b"\x89PNG\r\n\x1a\n")),
        FileKind("jpg", "image/jpeg", _starts_with(b"\xff\xd8\xff")),
        FileKind("jpeg", "image/jpeg", _starts_with(b"\xff\xd8\xff")),
        FileKind("gif", "image/gif", _starts_with(b"GIF87a", b"GIF89a")),
        FileKind("webp", "image/webp", _webp),
        FileKind("docx", _OOXML + "wordprocessingml.document", _zip_holding("[Content_Types].xml", "word/")),
        FileKind("xlsx", _OOXML + "spreadsheetml.sheet", _zip_holding("[Content_Types].xml", "xl/")),
        FileKind("pptx", _OOXML + "presentationml.presentation", _zip_holding("[Content_Types].xml", "ppt/")),
        FileKind("odt", _ODF + "text", _zip_holding("mimetype", "content.xml")),
        FileKind("ods", _ODF + "spreadsheet", _zip_holding("mimetype", "content.xml")),
        FileKind("odp", _ODF + "presentation", _zip_holding("mimetype", "content.xml")),
        FileKind("doc", "application/msword", _starts_with(OLE2)),
        FileKind("xls", "application/vnd.ms-excel", _starts_with(OLE2)),
        FileKind("ppt", "application/vnd.ms-powerpoint", _starts_with(OLE2)),
    )
}


def accepted_types() -> str:
    return _("a PDF, a picture (PNG, JPEG, GIF or WebP) or an office document (Word, Excel, PowerPoint or OpenDocument)")


def check_evidence_file(upload) -> FileKind:
    """What kind of file `upload` is, or a ValidationError that says what is wrong with it."""
    name = PurePath(upload.name or "").name
    limit = max_bytes()
    if not upload.size:
        raise ValidationError(_("%(name)s is empty."), code="evidence_empty", params={"name": name})
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is larger than %(limit)s. Choose a smaller file, or link to it instead."),
            code="evidence_size",
            params={"name": name, "limit": filesizeformat(limit)},
        )
    kind = KINDS.get(PurePath(name).suffix.lower().lstrip("."))
    refused = ValidationError(
        _("%(name)s is not a type of file you can attach. Attach %(types)s."),
        code="evidence_type",
        params={"name": name, "types": accepted_types()},
    )
    if kind is None:
        raise refused
    upload.seek(0)
    head = upload.read(16)
    try:
        if not kind.looks_right(head, upload):
            raise refused
    finally:
        upload.seek(0)
    return kind
