"""Template helpers for the charter pages: texts in the reader's language, rating tags."""

from django import template

from ..models import Rating, text_in

register = template.Library()

LEVEL_TAGS = {
    Rating.Level.NOT_STARTED: "govuk-tag--grey",
    Rating.Level.DEVELOPING: "govuk-tag--yellow",
    Rating.Level.EMBEDDED: "govuk-tag--green",
}


@register.filter(name="in_language")
def in_language(texts, language):
    """`{{ commitment.statement|in_language:language }}`: the text in the language, else English."""
    return text_in(texts, language)


@register.filter
def level_tag(level):
    """The tag colour of a rating level; the level's name is always written in the tag too."""
    return LEVEL_TAGS.get(level, "govuk-tag--grey")


@register.filter
def paragraphs(text):
    """Split an introduction into its paragraphs."""
    return [part.strip() for part in (text or "").split("\n\n") if part.strip()]


# Which entry of the navigation each page belongs to.
SECTIONS = {
    "charter": "charter", "comment": "charter",
    "manage": "manage", "adopt": "manage", "create": "manage", "version": "manage", "version_edit": "manage",
    "version_publish": "manage", "version_discard": "manage", "commitment_add": "manage",
    "commitment_edit": "manage", "commitment_remove": "manage",
    "reviews": "reviews", "period_add": "reviews", "period": "reviews", "period_close": "reviews",
    "review": "reviews", "rate": "reviews", "sign_off": "reviews", "evidence_remove": "reviews",
    "link_remove": "reviews",
    "overview": "overview",
    "comments": "comments",
}


@register.inclusion_tag("charters/includes/nav.html", takes_context=True)
def charter_nav(context):
    """Links between the charter's pages, for the people who have more than the staff page."""
    from wellbeing.tenancy.models import Role

    from ..permissions import can_manage_charter, comment_school_ids, overview_scope

    access = context.get("access")
    organisation = context.get("organisation")
    if access is None or organisation is None:
        return {"links": []}
    links = [("charter", "charters:charter")]
    if can_manage_charter(access):
        links.append(("manage", "charters:manage"))
    if access.can_lead_organisation or access.schools_for(Role.SCHOOL_LEAD):
        links.append(("reviews", "charters:reviews"))
    if overview_scope(access) is not None:
        links.append(("overview", "charters:overview"))
    if access.can_lead_organisation or comment_school_ids(access):
        links.append(("comments", "charters:comments"))
    request = context.get("request")
    url_name = request.resolver_match.url_name if request and request.resolver_match else ""
    return {
        "links": links if len(links) > 1 else [],
        "current": SECTIONS.get(url_name, ""),
        "org": organisation.slug,
    }
