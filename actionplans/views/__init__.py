"""The action plans' pages: objectives, plans and actions, "you said, we did", workload impact
assessments. Views parse input, check permissions (actionplans.permissions), call a service or
a selector and render; anything a person may not see is a 404."""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError

from wellbeing.tenancy.models import School

from .. import permissions


def plan_reader(view):
    """Leads, trustees and governors: the people who work with or oversee the plans."""

    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        permissions.require(permissions.uses_plans(request.access))
        return view(request, *args, **kwargs)

    return checked


def plan_manager(view):
    """Organisation and school wellbeing leads."""

    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        permissions.require(permissions.can_manage_any(request.access))
        return view(request, *args, **kwargs)

    return checked


def schools_managed(access):
    """The schools this person may set objectives, plans and updates for."""
    schools = School.objects.filter(is_active=True).order_by("name")
    managed = permissions.managed_school_ids(access)
    return schools if managed is None else schools.filter(pk__in=sorted(managed))


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's errors on the form fields they name (the rest above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
