"""The first wall: tenant-owned models cannot be queried without an organisation in context."""

from django.db import models

from .context import NoOrganisationInContext, current_organisation_id, in_platform_scope


class OrganisationScopedManager(models.Manager):
    """Filters every query by the organisation in context; raises when there is none."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(organisation_id=current_organisation_id())

    def unscoped(self) -> models.QuerySet:
        """Every organisation's rows: only inside `platform_scope()`, for platform-level code."""
        if not in_platform_scope():
            raise NoOrganisationInContext("unscoped() is only allowed inside platform_scope()")
        return super().get_queryset()

    def none(self) -> models.QuerySet:
        """An empty queryset needs no organisation (class attributes, schema generation)."""
        return super().get_queryset().none()
