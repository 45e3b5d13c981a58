"""How objectives' values and statuses are written on pages and in emails."""

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()

STATUS_TAGS = {
    "on_track": "govuk-tag--green",
    "met": "govuk-tag--green",
    "at_risk": "govuk-tag--yellow",
    "off_track": "govuk-tag--red",
    "not_met": "govuk-tag--red",
    "awaiting": "govuk-tag--grey",
    "not_reportable": "govuk-tag--grey",
    "planned": "govuk-tag--grey",
    "in_progress": "govuk-tag--yellow",
    "done": "govuk-tag--green",
    "dropped": "govuk-tag--grey",
    "pending": "govuk-tag--yellow",
    "approved": "govuk-tag--green",
    "changed": "govuk-tag--purple",
    "rejected": "govuk-tag--red",
}


@register.filter
def status_tag(status: str) -> str:
    """The GOV.UK tag colour for a status."""
    return STATUS_TAGS.get(status, "govuk-tag--grey")


@register.filter
def with_unit(value, unit: str) -> str:
    """A value with its unit: "58%", "4.2 days per FTE", "3.41"; a dash for no value."""
    if value is None or value == "":
        return "—"
    shown = formats.number_format(value.normalize() if hasattr(value, "normalize") else value)
    if not unit:
        return shown
    if unit == "%":
        return f"{shown}%"
    return f"{shown} {unit}"


@register.filter
def minutes(value) -> str:
    """Minutes a week, signed: "+30 min", "−15 min"."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return _("%(sign)s%(minutes)s min") % {"sign": sign, "minutes": abs(value)}


@register.inclusion_tag("actionplans/includes/nav.html", takes_context=True)
def plans_nav(context, current: str = ""):
    """The links between the action plans' pages, for the pages this person may open."""
    from actionplans.permissions import uses_plans

    access = context.get("access")
    return {
        "organisation": context.get("organisation"),
        "current": current,
        "uses_plans": bool(access and uses_plans(access)),
    }
