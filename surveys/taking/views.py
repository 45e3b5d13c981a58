"""The survey pages. Server-rendered, every one works without JavaScript.

Every page sends `Cache-Control: no-store` (a shared computer's back button must not show
someone's answers to the next person) and a Referrer-Policy: `no-referrer` on the one address
that holds a token (it only redirects), `same-origin` on the token-free pages. Not `no-referrer`
there: with it, browsers send `Origin: null` on form posts, which Django's CSRF check rightly
refuses; `same-origin` still sends no Referer to any other site, and our own addresses hold no
token to leak. Every POST saves
the draft before anything else, so nothing typed is lost. A link that cannot take answers —
unknown, replaced, used, not yet open, closed — gets a page that says so and stores nothing.
"""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wellbeing.tenancy.context import organisation_scope

from .. import services
from ..forms import CommentsForm, DemographicsForm, ItemsPageForm, LanguageForm, option_label
from ..models import NOT_APPLICABLE, SCALE_LABELS, Survey
from ..services.distribution import survey_minutes
from ..services.responses import LinkKind, Outcome, SubmissionRefused
from . import devices
from .session import (
    Page,
    Taking,
    choose_language,
    current_link,
    load_taking,
    session_data,
    session_end,
    session_organisation_id,
    session_start,
    session_update,
    submitted_in_this_session,
)

PROBLEMS = {
    # code: HTTP status
    "not_valid": 404,
    "replaced": 404,
    "no_session": 404,
    "used": 410,
    "closed": 410,
    "not_open": 200,
    "device_sent": 200,
    "too_many": 429,
}


def private_page(view, referrer_policy: str = "same-origin"):
    """Headers every survey page carries: no Referer to other sites, nothing kept in caches."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = never_cache(view)(request, *args, **kwargs)
        response.headers["Referrer-Policy"] = referrer_policy
        response.headers["Cache-Control"] = "no-store, max-age=0"
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    return wrapped


def token_page(view):
    return private_page(view, referrer_policy="no-referrer")


def problem_page(request, code: str, *, survey: Survey | None = None, taking: Taking | None = None):
    context = {"problem": code, "survey": survey, "taking": taking, "current_path": request.path}
    if survey is not None:
        context["survey_languages"] = _language_choices(survey)
        zone = ZoneInfo(survey.time_zone)
        context.update(
            opens_at=timezone.localtime(survey.opens_at, zone), closes_at=timezone.localtime(survey.closes_at, zone)
        )
    return render(request, "surveys/take/problem.html", context, status=PROBLEMS[code])


def _activate(request, language: str) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = language


def survey_page(*, allow_submitted: bool = False):
    """Load the survey session (or answer with the page that explains why there is none) and
    run the view inside the organisation's scope with the survey's chosen language active.

    Once answers are sent, every question page leads to the thank-you page (a double click,
    the back button or a retry shows it again instead of an error)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if session_data(request) is None:
                return problem_page(request, "no_session")
            organisation_id = session_organisation_id(request)
            if organisation_id is None:  # a session started before sessions named it
                link = current_link(request)
                organisation_id = link.organisation_id if link else None
            if organisation_id is None:
                session_end(request)
                return problem_page(request, "replaced")
            with organisation_scope(organisation_id):
                link = current_link(request)
                if link is None:
                    session_end(request)
                    return problem_page(request, "replaced")
                taking = load_taking(request, link)
                _activate(request, taking.language)
                survey = taking.survey
                if submitted_in_this_session(request, link):
                    if allow_submitted:
                        return view(request, taking, *args, **kwargs)
                    return redirect("take:done")
                if link.kind == LinkKind.SCHOOL and devices.device_has_sent(request, survey):
                    return problem_page(request, "device_sent", survey=survey, taking=taking)
                now = timezone.now()
                if survey.status == Survey.Status.CLOSED or now >= survey.closes_at:
                    return problem_page(request, "closed", survey=survey, taking=taking)
                if survey.status != Survey.Status.OPEN or now < survey.opens_at:
                    return problem_page(request, "not_open", survey=survey, taking=taking)
                if allow_submitted:  # the thank-you page, reached before sending anything
                    return redirect("take:start")
                return view(request, taking, *args, **kwargs)

        return private_page(wrapped)

    return decorate


def _context(request, taking: Taking, page: Page | None = None, **extra) -> dict:
    return {
        "taking": taking,
        "survey": taking.survey,
        "organisation": taking.organisation,
        "page": page,
        "survey_languages": _language_choices(taking.survey),
        "current_path": request.path,
        **extra,
    }


def _language_choices(survey: Survey) -> list[dict]:
    names = dict(settings.LANGUAGES)
    return [
        {"code": code, "name_local": translation.get_language_info(code)["name_local"], "name": names.get(code, code)}
        for code in survey.languages
    ]


# --- The link ----------------------------------------------------------------------------------
@require_GET
@token_page
def enter(request, token):
    """Exchange the link's token for a survey session at once, and leave this address."""
    link = services.survey_link_find(token=token)
    if link is None:
        return redirect("take:problem", code="not-valid")
    if link.kind == LinkKind.INVITATION and link.responded:
        return redirect("take:problem", code="used")
    session_start(request, link)
    return redirect("take:start")


@require_GET
@private_page
def link_problem(request, code):
    """A problem with the link itself, at an address without the token."""
    problem = {"not-valid": "not_valid", "used": "used"}.get(code)
    if problem is None:
        raise Http404
    return problem_page(request, problem)


@require_GET
@private_page
def privacy(request):
    data = session_data(request)
    context = {"threshold": None, "minimum_threshold": 3}
    link = current_link(request) if data else None
    if link is not None:
        with organisation_scope(link.organisation_id):
            survey = Survey.objects.get(pk=link.survey_id)
            _activate(request, choose_language(request, survey))
            context.update(
                threshold=survey.threshold, survey=survey, survey_languages=_language_choices(survey),
                current_path=request.path,
            )
            return render(request, "surveys/take/privacy.html", context)
    return render(request, "surveys/take/privacy.html", context)


# --- The pages ---------------------------------------------------------------------------------
@require_GET
@survey_page()
def start(request, taking: Taking):
    return render(
        request,
        "surveys/take/start.html",
        _context(
            request, taking, minutes=survey_minutes(survey=taking.survey),
            closes_at=timezone.localtime(taking.survey.closes_at, ZoneInfo(taking.survey.time_zone)),
            first_page=taking.pages[0], resume=taking.resume_page if taking.has_draft else None,
        ),
    )


def _save_draft(taking: Taking) -> None:
    values = {
        "answers": taking.answers,
        "demographics": taking.demographics,
        "comments": taking.comments,
        "language": taking.language,
    }
    if taking.link.kind == LinkKind.SCHOOL:
        services.draft_save_shared(link_hash=taking.link.link_hash, visit_key=taking.visit_key, **values)
    else:
        services.draft_save(invitation_hash=taking.link.link_hash, **values)


def _merge(target: dict, answers: dict) -> None:
    for code, value in answers.items():
        if value in ("", None):
            target.pop(code, None)
        else:
            target[code] = value


def _page_form(taking: Taking, page: Page, data=None):
    if page.kind == "items":
        return ItemsPageForm(data, items=page.items, language=taking.language, draft_answers=taking.answers)
    if page.kind == "about":
        return DemographicsForm(
            data, questions=taking.demographic_questions, language=taking.language,
            draft_demographics=taking.demographics,
        )
    return CommentsForm(
        data, questions=taking.comment_questions, language=taking.language, draft_comments=taking.comments
    )


@require_http_methods(["GET", "POST"])
@survey_page()
def question_page(request, taking: Taking, number: int):
    page = taking.page(number)
    if page is None or page.kind == "check":
        raise Http404
    form = _page_form(taking, page, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        form.is_valid()
        target = {"items": taking.answers, "about": taking.demographics, "comments": taking.comments}[page.kind]
        _merge(target, form.answers())
        try:
            _save_draft(taking)
        except SubmissionRefused as refused:
            return problem_page(request, refused.code.replace("unknown_link", "replaced"), survey=taking.survey)
        except ValidationError as error:
            if getattr(error, "code", None) == "already_submitted":
                return redirect("take:done")
            raise
        if not form.errors:
            if request.POST.get("direction") == "back":
                return redirect(_page_url(taking, number - 1))
            return redirect(_page_url(taking, number + 1))
    template = {"items": "items.html", "about": "about.html", "comments": "comments.html"}[page.kind]
    title = {
        "items": lambda: page.domain.name_in(taking.language), "about": lambda: _("About you"),
        "comments": lambda: _("Your comments"),
    }[page.kind]()
    return render(
        request,
        f"surveys/take/{template}",
        _context(request, taking, page, form=form, page_title=title, back_url=_page_url(taking, number - 1)),
        status=400 if form.errors else 200,
    )


def _page_url(taking: Taking, number: int) -> str:
    if number < 1:
        return reverse("take:start")
    if number >= taking.total:
        return reverse("take:check")
    return reverse("take:page", kwargs={"number": number})


def _summary(taking: Taking) -> list[dict]:
    """The check-your-answers sections: each page's questions and the answer given, if any."""
    language = taking.language
    sections = []
    for page in taking.question_pages:
        rows = []
        if page.kind == "items":
            title = page.domain.name_in(language)
            for item in page.items:
                value = taking.answers.get(item.code)
                labels = dict(SCALE_LABELS[item.scale])
                answer = _("Not applicable") if value == NOT_APPLICABLE else labels.get(value) if value else None
                rows.append({"question": item.text_in(language), "answer": answer, "anchor": item.code})
        elif page.kind == "about":
            title = _("About you")
            for question in taking.demographic_questions:
                code = taking.demographics.get(question.code)
                answer = option_label(question.options, code, language) if code else None
                rows.append({"question": question.text_in(language), "answer": answer, "anchor": question.code})
        else:
            title = _("Your comments")
            for question in taking.comment_questions:
                rows.append({
                    "question": question.text_in(language), "answer": taking.comments.get(question.code) or None,
                    "anchor": question.code,
                })
        sections.append({"title": title, "rows": rows, "url": _page_url(taking, page.number)})
    return sections


@require_http_methods(["GET", "POST"])
@survey_page()
def check(request, taking: Taking):
    errors = forms.Form()
    errors.cleaned_data = {}
    if request.method == "POST":
        outcome = _submit(request, taking, errors)
        if outcome is not None:
            return outcome
    page = taking.pages[-1]
    answered = sum(1 for page_ in taking.question_pages if page_.kind == "items" for item in page_.items if item.code in taking.answers)
    items = sum(len(page_.items) for page_ in taking.question_pages if page_.kind == "items")
    return render(
        request,
        "surveys/take/check.html",
        _context(
            request, taking, page, sections=_summary(taking), form=errors, answered=answered, item_count=items,
            back_url=_page_url(taking, page.number - 1),
        ),
        status=400 if errors.errors else 200,
    )


def _submit(request, taking: Taking, errors: forms.Form):
    """Send the answers; a response to return, or None after adding errors to `errors`."""
    survey = taking.survey
    values = {
        "answers": taking.answers,
        "demographics": taking.demographics,
        "comments": taking.comments,
        "language": taking.language,
    }
    shared = taking.link.kind == LinkKind.SCHOOL
    if shared and devices.network_over_limit(request, survey):
        return problem_page(request, "too_many", survey=survey, taking=taking)
    try:
        if shared:
            submission = services.response_submit_shared(
                link_hash=taking.link.link_hash, visit_key=taking.visit_key, **values
            )
        else:
            submission = services.response_submit(
                invitation_hash=taking.link.link_hash, survey=survey, **values
            )
    except SubmissionRefused as refused:
        return problem_page(request, refused.code.replace("unknown_link", "replaced"), survey=survey)
    except ValidationError as error:
        for messages in (error.message_dict if hasattr(error, "error_dict") else {None: error.messages}).values():
            for message in messages:
                errors.add_error(None, message)
        return None
    response = redirect("take:done")
    if shared:
        # A shared link's session remembers the send; a personal link's invitation does, so
        # its session is not written again (one fewer round trip to the session store).
        session_update(request, submitted=True)
        devices.mark_device_sent(response, request, survey)
        if submission.outcome is Outcome.STORED:
            devices.count_network_submission(request, survey)
    return response


@require_GET
@survey_page(allow_submitted=True)
def done(request, taking: Taking):
    zone = ZoneInfo(taking.survey.time_zone)
    return render(
        request,
        "surveys/take/done.html",
        _context(request, taking, closes_at=timezone.localtime(taking.survey.closes_at, zone)),
    )


@require_POST
@private_page
def change_language(request):
    """Switch the survey's language (one of the survey's own) and come back to the same page."""
    link = current_link(request)
    if link is None:
        return problem_page(request, "no_session")
    with organisation_scope(link.organisation_id):
        survey = Survey.objects.get(pk=link.survey_id)
    form = LanguageForm(request.POST, languages=survey.languages)
    if not form.is_valid():
        return redirect("take:start")
    language = form.cleaned_data["language"]
    session_update(request, language=language)
    target = form.cleaned_data["next"] or reverse("take:start")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith("/s/")
    response = HttpResponseRedirect(target if safe else reverse("take:start"))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax", secure=request.is_secure(),
    )
    return response
