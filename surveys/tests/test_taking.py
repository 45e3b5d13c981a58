"""Taking a survey through the web pages: the link, the pages, drafts, sending, and every page
that explains why a link cannot take answers (which store nothing)."""

from __future__ import annotations

import datetime
import re
import secrets
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.html import escape

from surveys import services
from surveys.aggregation import stored
from surveys.models import Draft, Invitation, Item
from surveys.tests.factories import invite, make_survey
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.tokens import token_hash

SESSION_KEY = "staffwell_survey"


def stored_rows(organisation):
    with organisation_scope(organisation):
        return stored.stored_rows()


@pytest.fixture
def open_survey(world):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), open_it=True)
        invitation, token = invite(survey, world.school("a", 1))
    return survey, invitation, token


def enter(client, token):
    response = client.get(f"/s/{token}/")
    assert response.status_code == 302
    assert response["Location"] == "/s/survey/"
    return response


def first_page_items(survey):
    with organisation_scope(survey.organisation_id):
        domain = survey.instrument.domains.order_by("order", "id").first()
        return list(Item.objects.filter(domain=domain).order_by("order", "number"))


def test_the_token_is_exchanged_at_once_and_never_appears_again(world, open_survey):
    survey, invitation, token = open_survey
    client = Client()
    client.get("/s/privacy/")  # a session key the browser had before: it must not survive
    response = enter(client, token)

    assert token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert response.content == b""  # nothing rendered at the address with the token
    data = client.session[SESSION_KEY]
    assert data["hash"] == invitation.token_hash and token not in str(dict(client.session))
    seen = []
    for path in ["/s/survey/", "/s/survey/1/", "/s/survey/check/", "/s/privacy/"]:
        page = client.get(path)
        assert page.status_code == 200, path
        assert page["Referrer-Policy"] == "same-origin"  # no Referer ever leaves the site
        assert "no-store" in page["Cache-Control"]
        seen.append(page.content.decode())
    answer = client.post("/s/survey/1/", {first_page_items(survey)[0].code: "4", "direction": "next"})
    assert token not in answer["Location"]
    assert all(token not in html for html in seen)
    assert survey.title in seen[0]


def test_a_page_shows_each_item_as_a_fieldset_with_the_scale_labels_and_progress(world, open_survey):
    survey, _invitation, token = open_survey
    client = Client()
    enter(client, token)

    html = client.get("/s/survey/1/").content.decode()

    items = first_page_items(survey)
    assert html.count('<fieldset class="govuk-fieldset"') == len(items)
    for item in items:
        assert item.text_in("en") in html
        for _value, label in item.scale_labels:
            assert str(label) in html
    assert re.search(r"Page 1 of \d+", html)
    assert 'aria-labelledby="survey-progress-label"' in html


def test_every_post_saves_a_draft_and_coming_back_shows_the_answers(world, open_survey):
    survey, invitation, token = open_survey
    items = first_page_items(survey)
    client = Client()
    enter(client, token)

    response = client.post("/s/survey/1/", {items[0].code: "2", items[1].code: "5", "direction": "next"})
    assert response["Location"] == "/s/survey/2/"
    with organisation_scope(world.org("a")):
        draft = Draft.objects.get(token_hash=invitation.token_hash)
        assert draft.answers == {items[0].code: 2, items[1].code: 5}

    # Another browser, the same link later: the answers are there, and the start page says so.
    later = Client()
    enter(later, token)
    assert "You have already answered some questions" in later.get("/s/survey/").content.decode()
    html = later.get("/s/survey/1/").content.decode()
    assert re.search(rf'name="{items[0].code}" type="radio" value="2" checked', html)
    assert re.search(rf'name="{items[1].code}" type="radio" value="5" checked', html)
    assert stored_rows(world.org("a")) == (0, 0, 0)


def test_going_back_saves_the_page_too(world, open_survey):
    survey, invitation, token = open_survey
    client = Client()
    enter(client, token)
    items = first_page_items(survey)

    response = client.post("/s/survey/1/", {items[0].code: "3", "direction": "back"})

    assert response["Location"] == "/s/survey/"
    with organisation_scope(world.org("a")):
        assert Draft.objects.get(token_hash=invitation.token_hash).answers == {items[0].code: 3}


def test_a_forged_answer_gets_an_error_summary_and_the_valid_answers_are_kept(world, open_survey):
    survey, invitation, token = open_survey
    items = first_page_items(survey)
    client = Client()
    enter(client, token)

    response = client.post("/s/survey/1/", {items[0].code: "9", items[1].code: "4", "direction": "next"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="govuk-error-summary"' in html
    assert f'href="#id_{items[0].code}_0"' in html
    assert "<title>Error:" in html
    assert re.search(rf'name="{items[1].code}" type="radio" value="4" checked', html)
    with organisation_scope(world.org("a")):
        assert Draft.objects.get(token_hash=invitation.token_hash).answers == {items[1].code: 4}


def test_a_comment_that_is_too_long_is_shown_again_with_an_error(world, open_survey):
    survey, _invitation, token = open_survey
    client = Client()
    enter(client, token)
    last_question_page = int(re.search(r'<progress[^>]*max="(\d+)"', client.get("/s/survey/1/").content.decode())[1]) - 1

    long_text = "x" * 5001
    response = client.post(
        f"/s/survey/{last_question_page}/",
        {"one-improvement": long_text, "anything-else": "Fewer meetings", "direction": "next"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "at most 5000 characters" in html and long_text in html
    assert "Do not write names" in html


def test_a_whole_survey_is_sent_once_even_when_sent_twice(world, open_survey):
    survey, invitation, token = open_survey
    client = Client()
    enter(client, token)
    total = int(re.search(r'<progress[^>]*max="(\d+)"', client.get("/s/survey/1/").content.decode())[1])
    items = first_page_items(survey)
    client.post("/s/survey/1/", {item.code: "4" for item in items} | {"direction": "next"})
    client.post(f"/s/survey/{total - 2}/", {"job_category": "teacher", "age_band": "prefer_not_to_say", "direction": "next"})
    client.post(f"/s/survey/{total - 1}/", {"one-improvement": "More time to plan", "direction": "next"})

    check = client.get("/s/survey/check/").content.decode()
    assert f"You have answered {len(items)} of 48 statements" in check
    assert "More time to plan" in check and "Teacher" in check

    first = client.post("/s/survey/check/")
    second = client.post("/s/survey/check/")  # a double click, or the back button and again

    assert first["Location"] == second["Location"] == "/s/survey/done/"
    assert stored_rows(world.org("a")) == (1, len(items), 1)
    with organisation_scope(world.org("a")):
        response = stored.the_response()
        assert response.demographics == {"job_category": "teacher", "age_band": "prefer_not_to_say"}
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.RESPONDED
        assert not Draft.objects.exists()
    done = client.get("/s/survey/done/").content.decode()
    assert "Your answers have been sent" in done
    # Question pages now lead to the thank-you page instead of taking answers again.
    assert client.get("/s/survey/1/")["Location"] == "/s/survey/done/"
    assert client.post("/s/survey/1/", {items[0].code: "1"})["Location"] == "/s/survey/done/"
    assert stored_rows(world.org("a")) == (1, len(items), 1)


def test_sending_nothing_is_refused_on_the_check_page(world, open_survey):
    _survey, _invitation, token = open_survey
    client = Client()
    enter(client, token)

    response = client.post("/s/survey/check/")

    assert response.status_code == 400
    assert "Answer at least one question before sending." in response.content.decode()
    assert stored_rows(world.org("a")) == (0, 0, 0)


def test_the_thank_you_page_signposts_the_organisations_support(world, open_survey):
    survey, _invitation, token = open_survey
    organisation = world.org("a")
    organisation.support_contacts = "Employee assistance: 0800 123 456, https://eap.example.org"
    organisation.save()
    client = Client()
    enter(client, token)
    client.post("/s/survey/1/", {first_page_items(survey)[0].code: "5", "direction": "next"})
    client.post("/s/survey/check/")

    html = client.get("/s/survey/done/").content.decode()

    assert "Employee assistance: 0800 123 456" in html
    assert 'href="https://eap.example.org"' in html
    assert "116 123" in html


@pytest.mark.parametrize("language, expected", [("fr", "Enregistrer et continuer"), ("cy", None)])
def test_the_language_can_be_changed_on_every_page_and_is_kept(world, open_survey, language, expected):
    survey, invitation, token = open_survey
    client = Client()
    enter(client, token)
    items = first_page_items(survey)

    response = client.post("/s/survey/language/", {"language": language, "next": "/s/survey/1/"})
    assert response["Location"] == "/s/survey/1/"

    html = client.get("/s/survey/1/").content.decode()
    assert f'<html lang="{language}"' in html
    assert escape(items[0].text_in(language)) in html
    if expected:
        assert expected in html
    client.post("/s/survey/1/", {items[0].code: "4", "direction": "next"})
    client.post("/s/survey/check/")
    with organisation_scope(world.org("a")):
        assert stored.the_response().language == language


def test_a_language_change_cannot_send_the_browser_elsewhere(world, open_survey):
    _survey, _invitation, token = open_survey
    client = Client()
    enter(client, token)

    for target in ("https://evil.example.org/", "//evil.example.org/", "/o/trust-a/"):
        assert client.post("/s/survey/language/", {"language": "fr", "next": target})["Location"] == "/s/survey/"
    assert client.post("/s/survey/language/", {"language": "de", "next": "/s/survey/1/"})["Location"] == "/s/survey/"


@pytest.mark.parametrize("forge", [
    lambda token: "A" * 22,
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
    lambda token: token + "x",
])
def test_a_forged_link_gets_a_clear_page_and_stores_nothing(world, open_survey, forge):
    _survey, _invitation, token = open_survey
    client = Client()

    response = client.get(f"/s/{forge(token)}/", follow=True)

    assert response.redirect_chain == [("/s/link/not-valid/", 302)]
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert stored_rows(world.org("a")) == (0, 0, 0)
    with organisation_scope(world.org("a")):
        assert not Draft.objects.exists()


def test_a_used_link_gets_a_clear_page_and_stores_nothing(world, open_survey):
    survey, _invitation, token = open_survey
    client = Client()
    enter(client, token)
    client.post("/s/survey/1/", {first_page_items(survey)[0].code: "4", "direction": "next"})
    client.post("/s/survey/check/")

    someone_else = Client()
    response = someone_else.get(f"/s/{token}/", follow=True)

    assert response.redirect_chain == [("/s/link/used/", 302)]
    assert response.status_code == 410
    assert "Answers have already been sent with this link" in response.content.decode()
    assert stored_rows(world.org("a")) == (1, 1, 0)


def test_a_closed_survey_gets_a_clear_page_and_stores_nothing(world, open_survey):
    survey, invitation, token = open_survey
    client = Client()
    enter(client, token)
    items = first_page_items(survey)
    client.post("/s/survey/1/", {items[0].code: "4", "direction": "next"})
    with organisation_scope(world.org("a")):
        services.survey_close(survey=survey)

    for method, path in (("get", "/s/survey/"), ("post", "/s/survey/1/"), ("post", "/s/survey/check/")):
        response = getattr(client, method)(path, {items[0].code: "2"} if method == "post" else None)
        assert response.status_code == 410, path
        assert "This survey has closed" in response.content.decode()
    assert stored_rows(world.org("a")) == (0, 0, 0)
    with organisation_scope(world.org("a")):
        assert not Draft.objects.exists()
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.SENT


def test_a_survey_not_yet_open_says_when_it_opens_and_stores_nothing(world):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), opens_in=datetime.timedelta(days=2))
        services.survey_schedule(survey=survey)
        _invitation, token = invite(survey, world.school("a"))
    client = Client()
    enter(client, token)

    response = client.get("/s/survey/")
    html = response.content.decode()
    assert "This survey has not opened yet" in html
    opens = timezone.localtime(survey.opens_at, ZoneInfo(survey.time_zone))
    assert opens.strftime("%-d %B %Y") in html
    client.post("/s/survey/1/", {"workload-1": "3"})
    client.post("/s/survey/check/")
    assert stored_rows(world.org("a")) == (0, 0, 0)
    with organisation_scope(world.org("a")):
        assert not Draft.objects.exists()


def test_a_browser_without_a_survey_session_is_told_to_open_its_link(world):
    response = Client().get("/s/survey/")

    assert response.status_code == 404
    assert "Open your survey link again" in response.content.decode()


def test_the_privacy_page_says_what_is_stored_and_who_sees_what(world, open_survey):
    survey, _invitation, token = open_survey
    anonymous = Client().get("/s/privacy/").content.decode()
    assert "What is never stored with your answers" in anonymous
    assert "IP address" in anonymous
    client = Client()
    enter(client, token)
    html = client.get("/s/privacy/").content.decode()
    assert f"at least {survey.threshold} people who answered" in html
    assert "Back to the survey" in html


# --- Shared school links -------------------------------------------------------------------------
@pytest.fixture
def shared_link(world):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), open_it=True)
        link = services.school_link_rotate(survey=survey, school=world.school("a", 1))
        token = services.school_link_token(link=link)
    return survey, link, token


def answer_and_send(client, survey, value="4"):
    client.post("/s/survey/1/", {first_page_items(survey)[0].code: value, "direction": "next"})
    return client.post("/s/survey/check/")


def test_a_shared_link_stores_a_response_for_its_school(world, shared_link):
    survey, link, token = shared_link
    client = Client()
    enter(client, token)

    response = answer_and_send(client, survey)

    assert response["Location"] == "/s/survey/done/"
    cookie = response.cookies[f"staffwell_sent_{survey.pk}"]
    assert cookie["httponly"] and cookie["path"] == "/s/"
    with organisation_scope(world.org("a")):
        assert stored.the_response().school == world.school("a", 1)
        assert not Draft.objects.exists()
    assert "Your answers have been sent" in client.get("/s/survey/done/").content.decode()


def test_the_shared_link_cookie_stops_a_second_submission_from_the_same_browser(world, shared_link):
    survey, _link, token = shared_link
    client = Client()
    enter(client, token)
    answer_and_send(client, survey)
    assert client.post("/s/survey/check/")["Location"] == "/s/survey/done/"  # a double click

    enter(client, token)  # the poster again, same browser
    html = client.get("/s/survey/").content.decode()
    assert "Answers have already been sent from this device" in html
    answer_and_send(client, survey, value="1")

    assert stored_rows(world.org("a")) == (1, 1, 0)

    colleague = Client()  # another phone
    enter(colleague, token)
    answer_and_send(colleague, survey, value="2")
    assert stored_rows(world.org("a")) == (2, 2, 0)


def test_two_people_on_a_shared_link_keep_separate_drafts(world, shared_link):
    survey, _link, token = shared_link
    item = first_page_items(survey)[0]
    first, second = Client(), Client()
    enter(first, token)
    enter(second, token)

    first.post("/s/survey/1/", {item.code: "1", "direction": "next"})
    second.post("/s/survey/1/", {item.code: "5", "direction": "next"})

    assert re.search(rf'name="{item.code}" type="radio" value="1" checked', first.get("/s/survey/1/").content.decode())
    assert re.search(rf'name="{item.code}" type="radio" value="5" checked', second.get("/s/survey/1/").content.decode())
    with organisation_scope(world.org("a")):
        assert Draft.objects.count() == 2


@override_settings(SURVEY_SHARED_LINK_HOURLY_LIMIT=2)
def test_many_submissions_from_one_network_are_paused_and_the_draft_is_kept(world, shared_link):
    survey, _link, token = shared_link
    # Counts live in Redis for the hour, beyond this test: an address of its own keeps it clean.
    address = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    for _ in range(2):
        client = Client(REMOTE_ADDR=address)
        enter(client, token)
        answer_and_send(client, survey)
    third = Client(REMOTE_ADDR=address)
    enter(third, token)

    response = answer_and_send(third, survey)

    assert response.status_code == 429
    assert "Please try again later" in response.content.decode()
    assert stored_rows(world.org("a")) == (2, 2, 0)
    with organisation_scope(world.org("a")):
        assert Draft.objects.count() == 1  # the third person's answers wait
    elsewhere = Client(REMOTE_ADDR=f"2001:db8::1:{secrets.token_hex(2)}")
    enter(elsewhere, token)
    assert answer_and_send(elsewhere, survey)["Location"] == "/s/survey/done/"
    # Nothing about the address is kept in the database.
    with organisation_scope(world.org("a")):
        assert address not in str(list(Draft.objects.values()))


def test_a_replaced_shared_link_stops_working(world, shared_link):
    survey, link, token = shared_link
    client = Client()
    enter(client, token)
    with organisation_scope(world.org("a")):
        new = services.school_link_rotate(survey=survey, school=world.school("a", 1))
        new_token = services.school_link_token(link=new)

    assert new_token != token
    assert client.get("/s/survey/").status_code == 404
    assert Client().get(f"/s/{token}/")["Location"] == "/s/link/not-valid/"
    enter(Client(), new_token)
    assert token_hash(new_token) == new.token_hash


def test_the_session_cookie_is_the_only_thing_the_browser_keeps(world, open_survey):
    _survey, _invitation, token = open_survey
    client = Client()
    response = enter(client, token)

    assert set(response.cookies) <= {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    assert all(token not in morsel.value for morsel in response.cookies.values())
