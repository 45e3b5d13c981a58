"""Reads about instruments and surveys, for views, the API and services that need a whole picture.

Every read goes through the scoped managers: built-in instruments plus the organisation's own,
and only the organisation's surveys. No selector here reads answers (results are built from
releases, in a later module).
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from wellbeing.tenancy.models import Role
from wellbeing.tenancy.permissions import Access

from .models import (
    CommentQuestion,
    DemographicQuestion,
    Domain,
    Draft,
    Instrument,
    Item,
    ResponseCount,
    Survey,
    SurveyDemographicQuestion,
    SurveySchool,
)


def instruments_available() -> QuerySet[Instrument]:
    """Built-in instruments and the organisation's own, newest version first."""
    return Instrument.objects.annotate(item_count=Count("items")).order_by(
        "organisation_id", "code", "-version"
    )


def instrument_with_parts(*, instrument_id) -> Instrument:
    return (
        Instrument.objects.prefetch_related(
            Prefetch("domains", queryset=Domain.objects.order_by("order", "id")),
            Prefetch("items", queryset=Item.objects.select_related("domain").order_by("order", "number")),
            Prefetch("comment_questions", queryset=CommentQuestion.objects.order_by("order", "id")),
        )
        .annotate(item_count=Count("items"))
        .get(pk=instrument_id)
    )


def instrument_definition(*, instrument: Instrument) -> dict:
    """The instrument as a definition of the import/export format (demographics not included:
    they belong to surveys, not to instruments)."""
    domains = list(Domain.objects.filter(instrument=instrument).order_by("order", "id"))
    codes = {domain.pk: domain.code for domain in domains}
    return {
        "code": instrument.code,
        "version": instrument.version,
        "name": instrument.name,
        "description": instrument.description,
        "languages": list(instrument.languages),
        "domains": [
            {"code": d.code, "name": d.name, "area": d.area, "is_outcome": d.is_outcome} for d in domains
        ],
        "items": [
            {
                "number": item.number,
                "code": item.code,
                "domain": codes[item.domain_id],
                "text": item.text,
                "scale": item.scale,
                "reverse_scored": item.reverse_scored,
                "allows_not_applicable": item.allows_not_applicable,
            }
            for item in Item.objects.filter(instrument=instrument).order_by("order", "number")
        ],
        "comment_questions": [
            {"code": question.code, "text": question.text}
            for question in CommentQuestion.objects.filter(instrument=instrument).order_by("order", "id")
        ],
        "demographic_questions": [],
    }


def demographic_questions_available() -> QuerySet[DemographicQuestion]:
    return DemographicQuestion.objects.order_by("organisation_id", "order", "code")


def surveys_visible_to(*, access: Access) -> QuerySet[Survey]:
    """Organisation leads see every survey; a school lead those that include their school."""
    surveys = Survey.objects.select_related("instrument").order_by("-opens_at", "title")
    if access.can_lead_organisation:
        return surveys
    schools = access.schools_for(Role.SCHOOL_LEAD)
    return surveys.filter(
        pk__in=SurveySchool.objects.filter(school_id__in=schools).values("survey_id")
    )


def survey_demographic_questions(*, survey: Survey) -> list[DemographicQuestion]:
    links = SurveyDemographicQuestion.objects.filter(survey=survey).select_related("question")
    return [link.question for link in links.order_by("order")]


def survey_school_ids(*, survey: Survey) -> list[int]:
    return list(SurveySchool.objects.filter(survey=survey).values_list("school_id", flat=True))


def surveys_due(*, now) -> QuerySet[Survey]:
    """Surveys of the organisation in context that should open or close by `now`."""
    return Survey.objects.filter(
        Q(status=Survey.Status.SCHEDULED, opens_at__lte=now) | Q(status=Survey.Status.OPEN, closes_at__lte=now)
    ).order_by("opens_at")


def response_counts(*, survey: Survey) -> QuerySet[ResponseCount]:
    return ResponseCount.objects.filter(survey=survey).select_related("school").order_by("school__name")


def draft_for_survey_and_hash(*, survey: Survey, token_hash: str) -> Draft | None:
    return Draft.objects.filter(survey=survey, token_hash=token_hash).first()


def response_rate_rows(*, survey: Survey, school_ids) -> tuple[list[dict], dict]:
    """Invited, responded and the rate per school of `school_ids`, and for the whole survey.

    A row's numbers are shown only where at least the survey's threshold k were invited;
    below that the row says "fewer than k invited" (`shown` False) and holds no numbers at all,
    so no template can print them by mistake."""
    from wellbeing.tenancy.models import School

    counts = {count.school_id: count for count in ResponseCount.objects.filter(survey=survey)}
    schools = School.objects.filter(pk__in=survey_school_ids(survey=survey)).order_by("name")

    def row(invited: int, responded: int, **extra) -> dict:
        if invited < survey.threshold:
            return {"shown": False, **extra}
        rate = min(round(100 * responded / invited), 100)
        return {"shown": True, "invited": invited, "responded": responded, "rate": rate, **extra}

    rows = []
    for school in schools:
        if school.pk in school_ids:
            count = counts.get(school.pk)
            rows.append(row(count.invited if count else 0, count.responded if count else 0, school=school))
    total = row(
        sum(count.invited for count in counts.values()), sum(count.responded for count in counts.values())
    )
    return rows, total


def school_links_of_survey(*, survey: Survey, school_ids) -> list[dict]:
    from wellbeing.tenancy.models import School

    from .models import SchoolLink

    links = {link.school_id: link for link in SchoolLink.objects.filter(survey=survey)}
    return [
        {"school": school, "link": links.get(school.pk)}
        for school in School.objects.filter(pk__in=school_ids).order_by("name")
    ]
