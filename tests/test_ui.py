"""The base UI as a person meets it: role home pages, the page frame, languages, forms, sign-in."""

from __future__ import annotations

from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role
from wellbeing.tenancy.tests.factories import MembershipFactory, UserFactory

ROOT = Path(settings.BASE_DIR)

# One line of each role's card that the person must see.
ROLE_CARD_LINES = {
    Role.ORGANISATION_ADMIN: "Import the staff roster from a spreadsheet",
    Role.ORGANISATION_LEAD: "Prepare a board report for trustees",
    Role.SCHOOL_LEAD: "Run your school's action plan",
    Role.TRUSTEE: "Read the results dashboards for the whole organisation",
    Role.GOVERNOR: "Read your school's results dashboard",
    Role.PARTNER: "Read the published survey results",
    Role.STAFF: "Take any open wellbeing survey",
}


def cards_on(html: str) -> list[str]:
    import re

    return re.findall(r'<li class="sw-card" data-role="([a-z_]+)"', html)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_role_lands_on_its_home_page_and_sees_its_card(world, signed_in, role):
    client = signed_in(world.user("a", role))

    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == "/o/trust-a/"
    html = response.content.decode()
    assert cards_on(html) == [role.value]
    assert f"<h2 class=\"govuk-heading-m sw-card__title\">{role.label}</h2>" in html
    assert ROLE_CARD_LINES[role] in html
    assert "Trust A" in html and "Trust B" not in html


@pytest.mark.django_db
def test_school_roles_name_their_school_on_the_card(world, signed_in):
    client = signed_in(world.user("a", Role.GOVERNOR))

    html = client.get("/o/trust-a/").content.decode()

    assert '<p class="sw-card__scope">A School 1</p>' in html


@pytest.mark.django_db
def test_admin_card_links_to_the_pages_that_exist(world, signed_in):
    client = signed_in(world.user("a", Role.ORGANISATION_ADMIN))

    html = client.get("/o/trust-a/").content.decode()

    assert f'href="{reverse("tenancy:schools", kwargs={"org": "trust-a"})}"' in html
    assert f'href="{reverse("tenancy:roster_upload", kwargs={"org": "trust-a"})}"' in html


@pytest.mark.django_db
def test_a_person_with_two_roles_sees_both_cards_most_responsibility_first(world, signed_in):
    person = world.user("a", Role.STAFF)
    with organisation_scope(world.org("a")):
        MembershipFactory(user=person, role=Role.SCHOOL_LEAD, school=world.school("a", 1))
    client = signed_in(person)

    html = client.get("/o/trust-a/").content.decode()

    assert cards_on(html) == ["school_lead", "staff"]
    assert "A School 2" in html


@pytest.mark.django_db
def test_a_person_in_two_organisations_chooses_and_can_switch(world, signed_in):
    person = world.user("a", Role.TRUSTEE)
    with organisation_scope(world.org("b")):
        MembershipFactory(user=person, role=Role.PARTNER)
    client = signed_in(person)

    choose = client.get("/").content.decode()
    home_b = client.get("/o/trust-b/").content.decode()

    assert "Choose an organisation" in choose
    assert 'href="/o/trust-a/"' in choose and 'href="/o/trust-b/"' in choose
    # The switcher on every organisation page lists both, the current one marked.
    assert "Switch organisation" in home_b
    assert 'href="/o/trust-b/" aria-current="page"' in home_b
    assert 'href="/o/trust-a/"' in home_b
    assert cards_on(home_b) == ["partner"]


@pytest.mark.django_db
def test_a_person_in_one_organisation_gets_no_switcher(world, signed_in):
    client = signed_in(world.user("a", Role.STAFF))

    html = client.get("/o/trust-a/").content.decode()

    assert "Switch organisation" not in html


@pytest.mark.django_db
def test_a_person_without_any_organisation_is_told_what_to_do(signed_in):
    client = signed_in(UserFactory(email="nobody@example.org"))

    html = client.get("/").content.decode()

    assert "You do not belong to any organisation yet." in html


@pytest.mark.django_db
def test_signed_out_visitor_sees_what_staffwell_is_and_how_to_sign_in(client):
    html = client.get("/").content.decode()

    assert "Staff wellbeing, measured and acted on" in html
    assert f'href="{reverse("account_login")}"' in html
    assert "You do not need an account" in html


@pytest.mark.django_db
def test_every_page_has_skip_link_landmarks_and_a_language_form_that_needs_no_javascript(client):
    html = client.get(reverse("account_login")).content.decode()

    body = html[html.index("<body") :]
    first_link = body.index("<a ")
    assert body[first_link:].startswith('<a href="#main-content" class="govuk-skip-link"')
    assert '<main class="govuk-main-wrapper' in html and 'id="main-content"' in html
    assert "<header" in html and "<footer" in html
    # Django's set_language takes a POST: the switcher is a form with a button per language.
    assert f'action="{reverse("set_language")}" method="post"' in html
    assert "GOV.UK" not in html and "crown" not in html.lower()
    for code, name in (("en", "English"), ("fr", "Français"), ("cy", "Cymraeg")):
        assert f'name="language" value="{code}" lang="{code}"' in html
        assert f">{name}</button>" in html


def switch_language(client, code, next_url):
    return client.post(reverse("set_language"), {"language": code, "next": next_url}, follow=True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code, heading, step",
    [
        ("fr", "Voici ce que vous pouvez faire ensuite.", "Préparer un rapport pour le conseil d’administration"),
        ("cy", "Dyma beth allwch chi ei wneud nesaf.", "Paratoi adroddiad bwrdd ar gyfer ymddiriedolwyr"),
    ],
)
def test_switching_language_translates_the_home_page(world, signed_in, code, heading, step):
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))

    response = switch_language(client, code, "/o/trust-a/")

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/o/trust-a/"
    assert f'<html lang="{code}"' in html
    assert heading in html
    assert step in html
    assert "This is what you can do next." not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code, heading, button, label",
    [
        ("fr", "Se connecter à Staffwell", "Se connecter", "Mot de passe"),
        ("cy", "Mewngofnodi i Staffwell", "Mewngofnodi", "Cyfrinair"),
    ],
)
def test_switching_language_translates_the_login_page(client, db, code, heading, button, label):
    response = switch_language(client, code, reverse("account_login"))

    html = response.content.decode()
    assert f'<html lang="{code}"' in html
    assert heading in html
    assert f">{button}</button>" in html
    assert label in html
    assert "Sign in to Staffwell" not in html


@pytest.mark.django_db
def test_wrong_password_shows_an_error_summary_and_keeps_the_email(world, client):
    response = client.post(
        reverse("account_login"),
        {"login": "staff@a.example.org", "password": "not the password"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in html
    assert 'class="govuk-error-summary"' in html
    assert "There is a problem" in html
    assert "The email address and/or password you specified are not correct." in html
    assert 'value="staff@a.example.org"' in html


@pytest.mark.django_db
def test_empty_sign_in_links_each_error_to_its_field(client):
    html = client.post(reverse("account_login"), {"login": "", "password": ""}).content.decode()

    assert '<a href="#id_login">This field is required.</a>' in html
    assert '<a href="#id_password">This field is required.</a>' in html
    assert 'aria-describedby="id_login_error"' in html
    assert 'id="id_login_error" class="govuk-error-message"' in html
    assert 'aria-invalid="true"' in html


@pytest.mark.django_db
def test_password_reset_and_signup_closed_pages_use_the_staffwell_layout(client):
    reset = client.get(reverse("account_reset_password")).content.decode()
    closed = client.get(reverse("account_signup")).content.decode()

    for html in (reset, closed):
        assert 'class="govuk-skip-link"' in html
        assert 'class="sw-header"' in html
    assert "Reset your password" in reset
    assert '<div class="sw-control"><input type="email" name="email"' in reset
    assert "Accounts are by invitation" in closed


def sign_in_with_password(client, user):
    """Sign in through the real sign-in form, as a person would (a verified email address)."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    response = client.post(reverse("account_login"), {"login": user.email, "password": "correct horse battery"})
    assert response.status_code == 302, response.content.decode()
    return client


@pytest.mark.django_db
def test_a_lead_without_a_second_factor_is_sent_to_a_styled_setup_page(world, client):
    lead = world.user("a", Role.SCHOOL_LEAD)
    sign_in_with_password(client, lead)

    confirm = client.get("/o/trust-a/", follow=True)
    # allauth asks for the password again before a second factor is added.
    assert confirm.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert "Confirm it is you" in confirm.content.decode()
    response = client.post(
        confirm.redirect_chain[-1][0], {"password": "correct horse battery"}, follow=True
    )

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert "Set up two-factor authentication" in html
    assert 'class="sw-image sw-image--qr"' in html
    assert 'id="authenticator_secret"' in html
    assert 'class="sw-header"' in html


@pytest.mark.django_db
def test_a_wrong_authenticator_code_is_reported_in_the_error_summary(world, client):
    sign_in_with_password(client, world.user("a", Role.SCHOOL_LEAD))
    client.post(reverse("account_reauthenticate"), {"password": "correct horse battery"})

    html = client.post(reverse("mfa_activate_totp"), {"code": "000000"}).content.decode()

    assert "There is a problem" in html
    assert "Incorrect code." in html
    assert '<a href="#id_code">Incorrect code.</a>' in html


@pytest.mark.django_db
def test_messages_are_shown_as_notification_banners(world, signed_in):
    client = signed_in(world.user("a", Role.STAFF))

    html = client.post(reverse("account_logout"), follow=True).content.decode()

    assert 'class="govuk-notification-banner' in html
    assert "You have signed out." in html


class SurveyLikeForm(forms.Form):
    """The kinds of field later pages (surveys, rosters) render through includes/form.html."""

    email = forms.EmailField(label="Email address", help_text="We only use it to send the link.")
    answer = forms.ChoiceField(
        label="I feel valued at work",
        choices=[("1", "Strongly disagree"), ("2", "Disagree"), ("3", "Neither"), ("4", "Agree"), ("5", "Strongly agree")],
        widget=forms.RadioSelect,
    )
    areas = forms.MultipleChoiceField(
        label="Areas", choices=[("workload", "Workload"), ("leadership", "Leadership")],
        widget=forms.CheckboxSelectMultiple, required=False,
    )
    phase = forms.ChoiceField(label="Phase", choices=[("primary", "Primary"), ("secondary", "Secondary")])
    comment = forms.CharField(label="Comment", widget=forms.Textarea, required=False)
    agree = forms.BooleanField(label="I understand", required=True)


def render_form(form, **extra):
    request = RequestFactory().get("/")
    return render_to_string("includes/form.html", {"form": form, **extra}, request=request)


def test_form_include_renders_each_kind_of_field_gov_uk_style():
    html = render_form(SurveyLikeForm(), submit_label="Send")

    assert 'novalidate' in html and "csrfmiddlewaretoken" in html
    assert '<label class="govuk-label govuk-label--s" for="id_email">Email address</label>' in html
    assert '<div id="id_email_helptext" class="govuk-hint">We only use it to send the link.</div>' in html
    assert '<div class="sw-control"><input type="email" name="email"' in html
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">I feel valued at work</legend>' in html
    assert html.count('class="govuk-radios__input"') == 5
    assert '<label class="govuk-label govuk-radios__label" for="id_answer_0">Strongly disagree</label>' in html
    assert html.count('class="govuk-checkboxes__input"') == 2
    assert '<div class="sw-control"><select name="phase"' in html
    assert '<div class="sw-control"><textarea name="comment"' in html
    assert 'class="govuk-checkboxes__item sw-control--checkbox"' in html
    assert ">Send</button>" in html
    assert "govuk-error-summary" not in html


def test_form_include_links_every_error_and_keeps_what_was_typed():
    form = SurveyLikeForm({"email": "not-an-email", "comment": "Too many meetings", "phase": "primary"})
    assert not form.is_valid()

    html = render_form(form)

    assert 'class="govuk-error-summary"' in html
    assert '<a href="#id_email">Enter a valid email address.</a>' in html
    # A radio group's error links to its first radio, as GOV.UK's error summary expects.
    assert '<a href="#id_answer_0">This field is required.</a>' in html
    assert '<a href="#id_agree">This field is required.</a>' in html
    assert 'aria-describedby="id_answer_error"' in html
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert 'value="not-an-email"' in html
    assert "Too many meetings</textarea>" in html
    assert '<option value="primary" selected>' in html


def test_radio_question_can_be_the_page_heading():
    form = SurveyLikeForm()

    html = render_to_string(
        "includes/field.html", {"field": form["answer"], "page_heading": True, "size": "l"}
    )

    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--l"><h1 class="govuk-fieldset__heading">I feel valued at work</h1></legend>' in html


def test_no_gov_uk_only_assets_ship():
    """The GDS Transport typeface, the crown and the GOV.UK name are for GOV.UK services only."""
    css = (ROOT / "static" / "css" / "staffwell.css").read_text()
    assert "GDS Transport" not in css
    assert "govuk-crest" not in css
    assert "font-family:system-ui" in css
    assert not list((ROOT / "static").rglob("*.woff*"))
    assert not list((ROOT / "static").rglob("*crest*"))


def test_vendored_versions_match_the_lockfile():
    import json

    lock = json.loads((ROOT / "frontend" / "package-lock.json").read_text())["packages"]
    vendored = (ROOT / "static" / "VENDORED.md").read_text()
    for package in ("govuk-frontend", "htmx.org", "axe-core"):
        assert f"| {package} | {lock[f'node_modules/{package}']['version']} |" in vendored


def test_translations_are_compiled_for_french_and_welsh():
    for code in ("fr", "cy"):
        assert (ROOT / "locale" / code / "LC_MESSAGES" / "django.mo").exists()


def test_every_role_has_a_card():
    """A new Role needs its card on the home page: this fails until it has one."""
    template = (ROOT / "templates" / "tenancy" / "organisation_home.html").read_text()
    for role in Role:
        assert f'card.role == "{role.value}"' in template
