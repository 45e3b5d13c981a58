"""Rows that never change once published: instrument versions, charter versions, signed-off
reviews, generated board reports, and the parts that belong to them.

Model mixins (put them first among a model's bases):

* `Freezable` declares when a row counts as frozen: the database holds it in one of
  `frozen_statuses` ("published", "signed_off"...), and which error says so (`frozen_error`).
* `FrozenOnceStored` (a Freezable) refuses `save()` and `delete()` of the row itself once it is
  frozen. The change that publishes it passes; nothing after.
* `FrozenWithParent`: a part (an item, a commitment, a rating) refuses `save()` and `delete()`
  when its parent, a Freezable named by the foreign key `frozen_parent`, is frozen; adding a new
  part to it is refused too.

The stored state is read from the database on every write, never from the instance, so a stale
instance cannot unfreeze anything. Queryset `update()` and `delete()` skip model methods: services
never use them on frozen models.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class Freezable:
    frozen_statuses: tuple[str, ...] = ("published",)
    frozen_status_field = "status"
    frozen_error: type[ValidationError] = ValidationError

    @classmethod
    def stored_as_frozen(cls, pk, using) -> bool:
        if pk is None:
            return False
        lookup = {"pk": pk, f"{cls.frozen_status_field}__in": cls.frozen_statuses}
        return cls._base_manager.using(using).filter(**lookup).exists()


class _RefusesWritesWhenFrozen:
    def _refuse_if_frozen(self, using) -> None:
        raise NotImplementedError

    def save(self, *args, **kwargs):
        self._refuse_if_frozen(kwargs.get("using") or self._state.db)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_frozen(kwargs.get("using") or self._state.db)
        return super().delete(*args, **kwargs)


class FrozenOnceStored(_RefusesWritesWhenFrozen, Freezable):
    def _refuse_if_frozen(self, using) -> None:
        if type(self).stored_as_frozen(self.pk, using):
            raise self.frozen_error()


class FrozenWithParent(_RefusesWritesWhenFrozen):
    frozen_parent: str = ""

    def _refuse_if_frozen(self, using) -> None:
        parent = self._meta.get_field(self.frozen_parent).related_model
        if parent.stored_as_frozen(getattr(self, f"{self.frozen_parent}_id"), using):
            raise parent.frozen_error()
