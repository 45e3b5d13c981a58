""""You said, we did": short updates that pair what staff said with what was done, and the
weekly email digest people may opt in to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.models import OrganisationOwned, School

from .plans import Action


class YouSaidWeDid(OrganisationOwned):
    """One published update. Any figure it quotes was copied from a released, unsuppressed
    result cell when it was published (the `quoted_*` columns); no one types a figure in."""

    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"),
        help_text=_("Empty for an update to everyone in the organisation."),
    )
    you_said = models.TextField(_("you said"), max_length=600)
    we_did = models.TextField(_("we did"), max_length=1200)
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("action")
    )
    # The finding quoted: a result cell of a published release, as in ActionFinding (whose note
    # on DO_NOTHING applies here too).
    finding_cell = models.ForeignKey("surveys.ResultCell", null=True, blank=True, on_delete=models.DO_NOTHING,
                                     related_name="+", verbose_name=_("result cell"))
    finding_label = models.CharField(max_length=300, blank=True)
    quoted_value = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    quoted_unit = models.CharField(max_length=10, blank=True)
    quoted_on = models.DateField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta(OrganisationOwned.Meta):
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["organisation", "published_at"])]
        constraints = [
            models.CheckConstraint(
                name="quote_needs_a_finding",
                condition=Q(quoted_value__isnull=True) | Q(finding_cell__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.you_said[:60]


class DigestSubscription(OrganisationOwned):
    """A person who asked for the weekly "you said, we did" email."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta(OrganisationOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="one_digest_per_person")]
