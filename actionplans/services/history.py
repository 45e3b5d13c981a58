"""Writing the history of objectives and actions: a `ChangeRecord` per change, written by the
service that makes the change, in its transaction (models/history.py says why it is ours and not
a library's)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import models

from ..models import ChangeRecord


def _plain(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool | int | str):
        return value
    return str(value)


def snapshot(instance: models.Model, fields) -> dict:
    """The tracked fields of `instance` as JSON values: raw values for fields with choices (shown
    in the reader's language later), names for links, as they are now."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = "; ".join(sorted(str(related) for related in getattr(instance, name).all())) or None
        elif field.is_relation:
            related = getattr(instance, name)
            values[name] = str(related) if related is not None else None
        else:
            values[name] = _plain(field.value_from_object(instance))
    return values


def differences(before: dict, after: dict) -> list[dict]:
    return [
        {"field": name, "old": before.get(name), "new": after[name]}
        for name in after
        if before.get(name) != after[name]
    ]


def record(*, instance: models.Model, kind: str, user=None, changes=(), note: str = "") -> ChangeRecord:
    subject = {"objective": ChangeRecord.Subject.OBJECTIVE, "action": ChangeRecord.Subject.ACTION}[
        instance._meta.model_name
    ]
    return ChangeRecord.objects.create(
        organisation_id=instance.organisation_id,
        subject=subject,
        subject_id=instance.pk,
        kind=kind,
        user=user if user is not None and user.is_authenticated else None,
        changes=list(changes),
        note=note[:300],
    )
