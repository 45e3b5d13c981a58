"""Writes an organisation admin can cause in tenancy: schools and the staff roster.

Every service runs in one transaction inside the caller's organisation scope (the request's
or the task's) and raises `ValidationError` with a message meant for the admin.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import roster
from .context import current_organisation_id
from .models import Organisation, RosterImport, School, StaffMember
from .selectors import roster_import_progress_key

# An error table longer than this helps no one; the count of all problems is kept.
MAX_STORED_ERRORS = 1000
WRITE_BATCH = 500
ROSTER_FIELDS = ("email", "name", "school_id", "job_category", "contract", "fte", "start_year")


# --- Schools --------------------------------------------------------------------------------
def _check_school_name(*, name: str, school: School | None = None) -> str:
    name = " ".join(name.split())
    others = School.objects.filter(name__iexact=name)
    if school is not None:
        others = others.exclude(pk=school.pk)
    # Roster files name schools without regard to case, so two names may not differ by case only.
    if others.exists():
        raise ValidationError({"name": _("There is already a school called “%(name)s”.") % {"name": name}})
    return name


@transaction.atomic
def school_create(*, organisation: Organisation, name: str, phase: str, staff_count: int) -> School:
    """Add a school (or the central office) to the organisation."""
    school = School(
        organisation=organisation,
        name=_check_school_name(name=name),
        phase=phase,
        staff_count=staff_count,
    )
    school.full_clean()
    school.save()
    return school


@transaction.atomic
def school_update(*, school: School, name: str, phase: str, staff_count: int) -> School:
    """Rename a school or change its phase or size; the roster follows the school, not its name."""
    school.name = _check_school_name(name=name, school=school)
    school.phase = phase
    school.staff_count = staff_count
    school.full_clean()
    school.save()
    return school


# --- Staff roster ---------------------------------------------------------------------------
@transaction.atomic
def roster_import_start(*, organisation: Organisation, uploaded_by, file) -> RosterImport:
    """Read an uploaded roster file and import it, or queue it for a worker when it is large.

    The file is rejected with a `ValidationError` (and nothing is stored) when it is too big,
    not a CSV/XLSX file or unreadable. Otherwise a `RosterImport` is returned: already finished
    for a small file (imported, or "not imported" with its table of row errors), waiting for
    the worker for a file of more than `ROSTER_BACKGROUND_ROWS` rows.
    """
    if file.size > settings.ROSTER_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the largest roster file accepted is %(max)s.")
            % {"size": filesizeformat(file.size), "max": filesizeformat(settings.ROSTER_MAX_UPLOAD_BYTES)},
            code="too_large",
        )
    try:
        parsed = roster.read_roster(filename=file.name, content=file.read())
    except roster.RosterFileError as error:
        raise ValidationError(str(error), code="unreadable") from error

    roster_import = RosterImport.objects.create(
        organisation=organisation,
        uploaded_by=uploaded_by,
        filename=file.name[-255:],
        total_rows=len(parsed.rows),
        rows=parsed.rows,
        columns=parsed.columns,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    if parsed.errors:
        return _roster_import_fail(roster_import, parsed.errors)
    if roster_import.total_rows > settings.ROSTER_BACKGROUND_ROWS:
        from .tasks import roster_import_process_task

        transaction.on_commit(
            partial(roster_import_process_task.delay, organisation.pk, roster_import.pk)
        )
        return roster_import
    return roster_import_process(roster_import_id=roster_import.pk)


@transaction.atomic
def roster_import_process(
    *, roster_import_id: int, on_progress: Callable[[RosterImport, int], None] | None = None
) -> RosterImport:
    """Check every row of a waiting import and, if all are valid, bring the roster in line
    with the file: add new people, update changed ones, bring back returners, and mark people
    missing from the file as leavers (inactive, with today's date). People are matched by email
    without regard to case.

    All or nothing: one bad row and nothing changes; the import keeps the table of problems.
    Running it again for a finished import does nothing, so a redelivered task is harmless.
    """
    # One roster import at a time per organisation: each must see the roster the last one left.
    Organisation.objects.select_for_update().get(pk=current_organisation_id())
    roster_import = RosterImport.objects.select_for_update().get(pk=roster_import_id)
    if roster_import.status in (RosterImport.Status.DONE, RosterImport.Status.FAILED):
        return roster_import

    with translation.override(roster_import.language or settings.LANGUAGE_CODE):
        schools = {roster.school_key(s.name): s.pk for s in School.objects.filter(is_active=True)}
        people, errors = roster.validate_rows(
            roster_import.rows,
            columns=roster_import.columns,
            schools=schools,
            this_year=timezone.localdate().year,
        )
        if errors:
            return _roster_import_fail(roster_import, errors)
        report = on_progress or (lambda _import, _done: None)
        _roster_apply(roster_import, people, report=partial(report, roster_import))

    roster_import.status = RosterImport.Status.DONE
    roster_import.processed_rows = roster_import.total_rows
    roster_import.rows = []
    roster_import.finished_at = timezone.now()
    roster_import.save()
    return roster_import


def roster_import_process_in_background(*, roster_import_id: int) -> RosterImport:
    """The worker's entry point: as `roster_import_process`, reporting progress for the page."""
    return roster_import_process(roster_import_id=roster_import_id, on_progress=_report_progress)


def _report_progress(roster_import: RosterImport, processed_rows: int) -> None:
    # The import is one transaction, so a counter saved in the database would stay invisible
    # to the progress page until the end: the running count goes to the cache instead.
    cache.set(roster_import_progress_key(roster_import), processed_rows, timeout=settings.CELERY_TASK_TIME_LIMIT)


@transaction.atomic
def roster_import_abandon(*, roster_import_id: int) -> None:
    """The worker gave up (after its retries): say so, instead of leaving the page waiting."""
    roster_import = RosterImport.objects.select_for_update().get(pk=roster_import_id)
    if roster_import.status in (RosterImport.Status.DONE, RosterImport.Status.FAILED):
        return
    with translation.override(roster_import.language or settings.LANGUAGE_CODE):
        reason = _("The import stopped because of a problem on our side. Nothing was changed: please upload the file again.")
    _roster_import_fail(roster_import, [roster.RowError(0, "", reason)])


def _roster_import_fail(roster_import: RosterImport, errors: list[roster.RowError]) -> RosterImport:
    roster_import.status = RosterImport.Status.FAILED
    roster_import.errors = [error.as_dict() for error in errors[:MAX_STORED_ERRORS]]
    roster_import.error_count = len(errors)
    roster_import.processed_rows = 0
    roster_import.rows = []  # nothing was imported: keep no copy of the people in the file
    roster_import.finished_at = timezone.now()
    roster_import.save()
    return roster_import


def _roster_apply(roster_import: RosterImport, people: list[roster.RosterRow], *, report) -> None:
    now = timezone.now()
    organisation_id = current_organisation_id()
    existing = {person.email.lower(): person for person in StaffMember.objects.all()}
    in_file: set[str] = set()
    created = updated = reactivated = 0

    for start in range(0, len(people), WRITE_BATCH):
        new, changed = [], []
        for row in people[start : start + WRITE_BATCH]:
            key = row.email.lower()
            in_file.add(key)
            values = {field: getattr(row, field) for field in ROSTER_FIELDS}
            person = existing.get(key)
            if person is None:
                new.append(StaffMember(organisation_id=organisation_id, **values))
                continue
            returning = not person.is_active
            if not returning and all(getattr(person, f) == v for f, v in values.items()):
                continue
            for field, value in values.items():
                setattr(person, field, value)
            person.is_active, person.left_on, person.updated_at = True, None, now
            changed.append(person)
            if returning:
                reactivated += 1
            else:
                updated += 1
        StaffMember.objects.bulk_create(new)
        StaffMember.objects.bulk_update(changed, [*ROSTER_FIELDS, "is_active", "left_on", "updated_at"])
        created += len(new)
        report(min(start + WRITE_BATCH, len(people)))

    leavers = [p.pk for key, p in existing.items() if p.is_active and key not in in_file]
    StaffMember.objects.filter(pk__in=leavers).update(
        is_active=False, left_on=timezone.localdate(), updated_at=now
    )
    roster_import.created_count = created
    roster_import.updated_count = updated
    roster_import.reactivated_count = reactivated
    roster_import.deactivated_count = len(leavers)
