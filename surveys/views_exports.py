"""Downloads of a release's result cells (CSV, Excel) for the people who may read results.

Who sees which cells: surveys.permissions.results_scope (the same rules as the dashboards);
organisation admins and staff get a 404, as does another organisation's release. The CSV is
streamed: its rows are read after the view has returned, so the stream opens the organisation's
scope again for itself, and makes each chunk in the reader's language (only while making it).
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponseNotAllowed, StreamingHttpResponse
from django.utils import translation

from wellbeing.tenancy.context import organisation_scope

from . import exports
from .permissions import results_scope


def release_export(request, org, release_id: int, file_format: str):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    scope = results_scope(access=request.access)
    release = exports.release_visible(release_id=release_id)
    if release is None:
        raise Http404
    language = exports.current_language()
    filename = exports.export_filename(release, file_format)
    if file_format == "xlsx":
        handle = exports.xlsx_file(
            exports.spreadsheet_header(),
            exports.release_spreadsheet_rows(release=release, scope=scope, language=language),
            title=release.survey.title,
        )
        return FileResponse(handle, as_attachment=True, filename=filename, content_type=exports.CONTENT_TYPES["xlsx"])

    organisation_id, release_pk = release.organisation_id, release.pk

    def rows():
        with organisation_scope(organisation_id):
            again = exports.release_visible(release_id=release_pk)
            yield from exports.csv_stream(
                exports.spreadsheet_header(),
                exports.release_spreadsheet_rows(release=again, scope=scope, language=language),
            )

    response = StreamingHttpResponse(_in_language(language, rows()), content_type=exports.CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _in_language(language: str, chunks):
    """Each chunk made with the reader's language active, and the thread's own language back
    between chunks: whatever runs while the response is streamed keeps its language."""
    chunks = iter(chunks)
    while True:
        with translation.override(language):
            try:
                chunk = next(chunks)
            except StopIteration:
                return
        yield chunk
