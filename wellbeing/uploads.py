"""Which uploaded files the product accepts: documents and pictures, judged by what a file contains
as well as by its name. Evidence attached to actions (actionplans) and to charter self-assessments
(charters) is checked here, each app choosing its list of types and its size limit.

A file is accepted when its extension is on the caller's list AND its first bytes are those of the
type the name claims, so a renamed program or web page is refused. Office files are ZIP archives:
only their table of contents is read, nothing is unpacked. SVG is never accepted: it is a web page
in disguise and could run script when opened. Plain text must be UTF-8 without markup.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Word, Excel and PowerPoint files
_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str
    looks_right: Callable[[bytes, object], bool]


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
        FileKind("csv", "text/csv", _plain_text),
        FileKind("txt", "text/plain", _plain_text),
    )
}


def check_upload(upload, *, extensions: Iterable[str], max_bytes: int, types: str) -> FileKind:
    """What kind of file `upload` is, or a ValidationError that says what is wrong with it.

    `extensions` are the kinds the caller accepts (keys of KINDS), `types` says them in words for
    the error message ("a PDF, a picture ...")."""
    accepted = set(extensions)
    unknown = accepted - KINDS.keys()
    if unknown:
        raise ValueError(f"No such file kinds: {sorted(unknown)}")
    name = PurePath(upload.name or "").name
    if not upload.size:
        raise ValidationError(_("%(name)s is empty."), code="evidence_empty", params={"name": name})
    if upload.size > max_bytes:
        raise ValidationError(
            _("%(name)s is larger than %(limit)s. Choose a smaller file."),
            code="evidence_size",
            params={"name": name, "limit": filesizeformat(max_bytes)},
        )
    extension = PurePath(name).suffix.lower().lstrip(".")
    kind = KINDS.get(extension) if extension in accepted else None
    refused = ValidationError(
        _("%(name)s is not a file type you can attach. Attach %(types)s."),
        code="evidence_type",
        params={"name": name, "types": types},
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
