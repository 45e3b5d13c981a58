"""Downloads of a release's result cells (CSV, Excel) for the people who may read results.

Who sees which cells: surveys.permissions.results_scope (the same rules as the dashboards);
organisation admins and staff get a 404, as does another organisation's release. The CSV is
streamed: its rows are read after the view has returned, so the stream opens the organisation's
scope again for itself, and makes each chunk in the reader's language (only while making it).
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import render
from django.utils import translation

from wellbeing.tenancy.context import organisation_scope

from . import exports
from .permissions import results_scope
from .tasks import results_xlsx_store_task


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
        return _xlsx(request, release=release, scope=scope, language=language, filename=filename)

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


def _xlsx(request, *, release, scope, language: str, filename: str):
    """The reader's workbook from the file storage; written now when it is small, otherwise by
    the worker (queued once, whoever asks meanwhile) while a page says it is being prepared."""
    name = exports.stored_xlsx(release=release, scope=scope, language=language)
    if name is None and exports.xlsx_written_inline(release=release, scope=scope):
        name = exports.xlsx_store(release=release, scope=scope, language=language)
    if name is not None:
        return FileResponse(default_storage.open(name), as_attachment=True, filename=filename,
                            content_type=exports.CONTENT_TYPES["xlsx"])
    queued = f"results-xlsx-queued:{exports.stored_xlsx_name(release=release, scope=scope, language=language)}"
    if cache.add(queued, True, timeout=15 * 60):
        arguments = (release.organisation_id, release.pk, scope.all_schools, sorted(scope.school_ids), language)
        transaction.on_commit(lambda: results_xlsx_store_task.delay(*arguments))
    response = render(request, "surveys/results/export_preparing.html", {
        "release": release, "survey": release.survey, "filename": filename,
    }, status=202)
    response["Retry-After"] = "10"
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
