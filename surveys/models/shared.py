"""Rows that are either shared by the whole platform or owned by one organisation.

Instruments (and their domains, items and questions) come in two kinds: the built-in ones that
ship with Staffwell (no organisation: they hold no tenant data and every organisation may use
them) and an organisation's own (imported, or a copy of a built-in one with custom items).
Both live in one table so that a survey, an answer or a result points at *an* item without
caring which kind it is.

The walls still hold for the organisation's own rows:
* the manager shows the shared rows plus those of the organisation in context, and raises
  outside any scope, like tenancy's scoped manager;
* row-level security (`surveys.rls.EnableSharedRowLevelSecurity`) adds to tenancy's policy one
  read-only policy for rows without an organisation: anyone may read a built-in item, only
  platform code (`platform_scope`) may write one, and no organisation can see another's.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from wellbeing.tenancy.context import (
    NoOrganisationInContext,
    current_organisation_id_or_none,
    in_platform_scope,
)
from wellbeing.tenancy.models import Organisation, OrganisationOwned


class SharedOrOrganisationManager(models.Manager):
    """Built-in rows plus the rows of the organisation in context; raises with no scope at all."""

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        organisation_id = current_organisation_id_or_none()
        if organisation_id is None:
            if not in_platform_scope():
                raise NoOrganisationInContext(
                    "No organisation in context: wrap the code in organisation_scope() or platform_scope()."
                )
            return queryset.filter(organisation__isnull=True)
        return queryset.filter(Q(organisation__isnull=True) | Q(organisation_id=organisation_id))

    def unscoped(self) -> models.QuerySet:
        if not in_platform_scope():
            raise NoOrganisationInContext("unscoped() is only allowed inside platform_scope()")
        return super().get_queryset()

    def none(self) -> models.QuerySet:
        return super().get_queryset().none()


class SharedOrOrganisationOwned(OrganisationOwned):
    """An OrganisationOwned row whose organisation may be empty: then it is a built-in row."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    objects = SharedOrOrganisationManager()

    class Meta(OrganisationOwned.Meta):
        abstract = True

    def save(self, *args, **kwargs):
        # Unlike tenant rows, the organisation is never guessed from the context: a built-in row
        # written by platform code inside someone's scope must stay built-in.
        models.Model.save(self, *args, **kwargs)

    @property
    def is_builtin(self) -> bool:
        return self.organisation_id is None
