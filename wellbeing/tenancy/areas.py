"""The shared list of wellbeing areas: survey domains, charter commitments and actions use it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WellbeingArea(models.TextChoices):
    WORKLOAD = "workload", _("Workload")
    FLEXIBLE_WORKING = "flexible_working", _("Flexible working and work-life balance")
    FEEDBACK = "feedback", _("Feedback and staff voice")
    CULTURE = "culture", _("Culture and relationships")
    PROFESSIONAL_DEVELOPMENT = "professional_development", _("Professional development")
    HEALTH = "health", _("Health and support")
