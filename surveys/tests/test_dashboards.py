"""Results dashboards: what each role sees of a release, and that the pages say what the cells say."""

from __future__ import annotations

import random
import re
from types import SimpleNamespace

import pytest
import tinyhtml5
from django.urls import reverse

from surveys import charts
from surveys.generator import WaveProfile
from surveys.hooks import cell_actions
from surveys.models import DemographicQuestion, Item, Release, ReleaseComment, ResultCell
from surveys.results import item_drilldown, organisation_heatmap, place_results, question_cut
from surveys.services.releases import release_build
from surveys.tests.waves import JOBS, closed_wave
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role, StaffMember

Disclosure = ResultCell.Disclosure


def add_staff(school, count: int, seed: int) -> None:
    rng = random.Random(seed)
    StaffMember.objects.bulk_create([
        StaffMember(organisation_id=school.organisation_id, school=school, email=f"{school.pk}-{i}@example.org",
                    name=f"Person {i}", job_category=rng.choice(JOBS),
                    contract=rng.choice(["full_time", "full_time", "part_time"]), fte=1,
                    start_year=rng.randint(1995, 2025))
        for i in range(count)
    ])


def two_waves(organisation, schools, *, sizes=(50, 30), seed=11):
    """Two closed waves of `schools` (staffed by `sizes`), each with its final release built."""
    for school, size in zip(schools, sizes, strict=True):
        add_staff(school, size, seed)
    first, _ = closed_wave(organisation=organisation, schools=list(schools), seed=seed, year=2024,
                           title="Staff survey 2024")
    release_build(survey=first, kind=Release.Kind.FINAL)
    survey, _ = closed_wave(organisation=organisation, schools=list(schools), seed=seed + 1, year=2025,
                            previous_wave=first, title="Staff survey 2025")
    return survey, release_build(survey=survey, kind=Release.Kind.FINAL)


@pytest.fixture
def released(world):
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = (world.school("a", 0), world.school("a", 1))
        survey, release = two_waves(organisation, schools)
    return SimpleNamespace(organisation=organisation, survey=survey, release=release, schools=schools,
                           k=survey.threshold)


def url(name, released, **kwargs):
    return reverse(f"results:{name}", kwargs={"org": released.organisation.slug, "survey_id": released.survey.pk,
                                              **kwargs})


HTML = "{http://www.w3.org/1999/xhtml}"


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


class Page:
    """A page as a browser reads it (parsed by tinyhtml5, which WeasyPrint brings)."""

    def __init__(self, content: str):
        self.content = content
        self.root = tinyhtml5.parse(content)

    def text(self) -> str:
        return _text(self.root.find(f"{HTML}body"))

    def all(self, tag: str, **attributes):
        for element in self.root.iter(f"{HTML}{tag}" if ":" not in tag and "{" not in tag else tag):
            if all((element.get(k.replace("_", "-")) is not None) if v is True else element.get(k.replace("_", "-")) == v
                   for k, v in attributes.items()):
                yield element

    def first(self, tag: str, **attributes):
        return next(self.all(tag, **attributes), None)

    def table(self, caption: str) -> list[list[str]]:
        for table in self.all("table"):
            found = table.find(f"{HTML}caption")
            if found is not None and _text(found) == caption:
                return [[_text(c) for c in row if c.tag in (f"{HTML}th", f"{HTML}td")]
                        for row in table.find(f"{HTML}tbody").iter(f"{HTML}tr")]
        raise AssertionError(f"no table captioned {caption!r}")


def page(client, address) -> Page:
    response = client.get(address)
    assert response.status_code == 200, address
    return Page(response.content.decode())


def expected(cell, k) -> str:
    return charts.value_text(charts.cell_value(cell), k)


# --- what the pages say -----------------------------------------------------------------------
def test_the_heatmap_table_says_what_each_cell_says(world, released, signed_in):
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    soup = page(client, url("organisation", released))
    with organisation_scope(released.organisation):
        heat = organisation_heatmap(release=released.release)
    rows = soup.table("% favourable by school and area")
    assert rows[0] == ["Whole organisation", *(expected(c, released.k) for c in heat.organisation.cells)]
    assert rows[1:] == [[r.label, *(expected(c, released.k) for c in r.cells)] for r in heat.rows]
    assert {r.label for r in heat.rows} == {"A School 1", "A School 2"}
    # The chart prints the same values it tabulates.
    svg = next(soup.all("{http://www.w3.org/2000/svg}svg", role="img"))
    printed = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    for row in rows:
        for value in row[1:]:
            assert value in printed or value.startswith("fewer than")  # long reasons wrap over lines


def test_suppressed_cells_read_fewer_than_k_and_banded_cells_only_their_band(world, released, signed_in):
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    school = released.schools[0]
    with organisation_scope(released.organisation):
        job = DemographicQuestion.objects.get(organisation__isnull=True, code="job_category")
        cut = question_cut(release=released.release, question=job, school=school)
    cells = [c for g in cut.rows for c in g.cells]
    assert any(c is not None and c.disclosure == Disclosure.SUPPRESSED for c in cells)
    assert any(c is not None and c.disclosure == Disclosure.BANDED for c in cells)
    soup = page(client, url("school", released, school_id=school.pk) + "?cut=job_category")
    caption = f"{school.name} by “{job.text_in('en')}”: % favourable"
    rows = soup.table(caption)
    assert [r[0] for r in rows] == [g.label for g in cut.rows]  # the groups are shown
    for group, row in zip(cut.rows, rows, strict=True):
        for cell, shown in zip(group.cells, row[1:], strict=True):
            if cell.disclosure == Disclosure.SUPPRESSED:
                assert shown == f"fewer than {released.k}"
            elif cell.disclosure == Disclosure.BANDED:
                assert shown == charts.FavourableBand(cell.favourable_band_low, cell.favourable_band_high).label()
            else:
                assert shown == f"{cell.pct_favourable}%"


def test_strengths_and_concerns_rank_the_organisations_full_items(world, released, signed_in):
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    soup = page(client, url("organisation", released))
    with organisation_scope(released.organisation):
        org = place_results(release=released.release)
    full = sorted((m.cell.favourable_share, m.measure.text_in("en")) for d in org.domains for m in d.items
                  if m.cell is not None and m.cell.disclosure == Disclosure.FULL)
    strengths = soup.table("Statements with the highest share of favourable answers")
    concerns = soup.table("Statements with the lowest share of favourable answers")
    # Items with the same share may come in either order: the first row is one of the best (worst).
    best = tuple(text for share, text in full if share == full[-1][0])
    worst = tuple(text for share, text in full if share == full[0][0])
    assert strengths[0][0].startswith(best)
    assert concerns[0][0].startswith(worst)


def test_a_school_dashboard_compares_with_the_organisation(world, released, signed_in):
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    school = released.schools[1]
    soup = page(client, url("school", released, school_id=school.pk))
    with organisation_scope(released.organisation):
        place = place_results(release=released.release, school=school)
    rows = soup.table("Areas compared with the whole organisation")
    for domain, row in zip(place.domains, rows, strict=True):
        assert row[1] == expected(domain.result.cell, released.k)
        assert row[2] == expected(domain.result.organisation_cell, released.k)
        cell = domain.result.cell
        if cell.disclosure == Disclosure.FULL and cell.difference is not None:
            assert row[3].startswith(("+", "−", "0"))
            assert ("significant" in row[3]) == bool(cell.difference_significant)


def test_the_trend_follows_both_waves(world, released, signed_in):
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    soup = page(client, url("organisation", released) + "?area=workload")
    rows = soup.table("Workload and demands: % favourable by wave")
    assert rows[0][0] == "Whole organisation" and len(rows[0]) == 3  # two waves
    assert all(value.endswith("%") for value in rows[0][1:])


def test_item_drilldown_shows_the_distribution_of_a_full_cell(world, released, signed_in):
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    with organisation_scope(released.organisation):
        item = Item.objects.get(instrument_id=released.survey.instrument_id, code="peer-1")
        drill = item_drilldown(release=released.release, item=item)
    cell = drill.organisation
    assert cell.disclosure == Disclosure.FULL
    soup = page(client, url("item", released, item_id=item.pk))
    rows = soup.table(f"Whole organisation: how people answered “{item.text_in('en')}”")
    counts = [cell.distribution[str(v)] for v in range(1, 6)]
    assert [r[2] for r in rows] == [str(c) for c in counts]
    assert [r[1] for r in rows] == [f"{p}%" for p in charts.largest_remainder(counts)]


def test_item_drilldown_shows_only_a_band_or_fewer_than_k_for_small_cells(world, signed_in):
    organisation = world.org("a")
    with organisation_scope(organisation):
        school = world.school("a", 0)
        add_staff(school, 9, 3)
        # Nine people, all answering, and k = 8: an item everyone answered is banded (under 10),
        # one that somebody skipped or found "not applicable" is suppressed.
        survey, _ = closed_wave(organisation=organisation, schools=[school], seed=3, year=2025, threshold=8,
                                profile=WaveProfile(response_rate=1.0))
        release = release_build(survey=survey, kind=Release.Kind.FINAL)
        states = {}
        for item in Item.objects.filter(instrument_id=survey.instrument_id):
            cell = item_drilldown(release=release, item=item).organisation
            if cell is not None:
                states.setdefault(cell.disclosure, (item, cell))
    assert set(states) == {Disclosure.BANDED, Disclosure.SUPPRESSED}, states
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    small = SimpleNamespace(organisation=organisation, survey=survey)
    item, cell = states[Disclosure.BANDED]
    soup = page(client, url("item", small, item_id=item.pk))
    band = charts.FavourableBand(cell.favourable_band_low, cell.favourable_band_high).label()
    assert band in _text(soup.first("p", data_banded=True))
    assert "Data table: Whole organisation: how people answered" not in soup.text()
    item, cell = states[Disclosure.SUPPRESSED]
    soup = page(client, url("item", small, item_id=item.pk))
    assert f"fewer than {survey.threshold}" in _text(soup.first("p", data_hidden=True))
    assert "Data table: Whole organisation: how people answered" not in soup.text()


# --- who sees what ----------------------------------------------------------------------------
def test_a_school_lead_sees_their_school_and_organisation_totals_only(world, released, signed_in):
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))  # lead of A School 1
    own, other = released.schools
    assert client.get(url("school", released, school_id=other.pk)).status_code == 404
    soup = page(client, url("school", released, school_id=own.pk))
    with organisation_scope(released.organisation):
        place = place_results(release=released.release, school=own)
    rows = soup.table("Areas compared with the whole organisation")
    assert [r[2] for r in rows] == [expected(d.result.organisation_cell, released.k) for d in place.domains]
    organisation_page = page(client, url("organisation", released))
    heat = organisation_page.table("% favourable by school and area")
    assert [r[0] for r in heat] == ["Whole organisation", own.name]
    assert other.name not in organisation_page.text()


def test_a_governor_reads_their_school_but_no_comments(world, released, signed_in):
    with organisation_scope(released.organisation):
        assert ReleaseComment.objects.filter(release=released.release).exists()
    client = signed_in(world.user("a", Role.GOVERNOR))
    own, other = released.schools
    soup = page(client, url("school", released, school_id=own.pk))
    assert "comments" not in soup.text().lower()
    assert client.get(url("comments", released)).status_code == 404
    assert client.get(url("comments", released) + f"?school={own.pk}").status_code == 404
    assert client.get(url("school", released, school_id=other.pk)).status_code == 404


def test_a_trustee_reads_every_school_but_no_comments(world, released, signed_in):
    client = signed_in(world.user("a", Role.TRUSTEE))
    for school in released.schools:
        page(client, url("school", released, school_id=school.pk))
    assert client.get(url("comments", released)).status_code == 404


def test_leads_read_comments(world, released, signed_in):
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    with organisation_scope(released.organisation):
        texts = list(ReleaseComment.objects.filter(release=released.release).values_list("text", flat=True))
    soup = page(client, url("comments", released))
    shown = [_text(li) for ul in soup.all("ul", data_comments=True) for li in ul.iter(f"{HTML}li")]
    assert shown and sorted(shown) == sorted(" ".join(t.split()) for t in texts)


def test_a_partner_sees_organisation_totals_only(world, released, signed_in):
    client = signed_in(world.user("a", Role.PARTNER))
    soup = page(client, url("organisation", released))
    assert [r[0] for r in soup.table("% favourable by school and area")] == ["Whole organisation"]
    for school in released.schools:
        assert client.get(url("school", released, school_id=school.pk)).status_code == 404
    assert client.get(url("comments", released)).status_code == 404


@pytest.mark.parametrize("role", [Role.ORGANISATION_ADMIN, Role.STAFF])
def test_admins_and_staff_see_no_results(world, released, signed_in, role):
    client = signed_in(world.user("a", role))
    for address in (reverse("results:index", kwargs={"org": released.organisation.slug}),
                    url("organisation", released), url("school", released, school_id=released.schools[0].pk),
                    url("comments", released)):
        assert client.get(address).status_code == 404


def test_another_organisations_survey_is_not_found(world, released, signed_in):
    client = signed_in(world.user("b", Role.ORGANISATION_LEAD))
    b = world.org("b")
    for name, extra in (("organisation", {}), ("school", {"school_id": released.schools[0].pk}), ("comments", {})):
        address = reverse(f"results:{name}", kwargs={"org": b.slug, "survey_id": released.survey.pk, **extra})
        assert client.get(address).status_code == 404


# --- hooks, caching, home ---------------------------------------------------------------------
def test_registered_cell_actions_are_offered_beside_items(world, released, signed_in):
    def action(request, cell):
        if cell.item_id is None:
            return None
        return ("Create action from this", f"/actions/new?cell={cell.key}")

    cell_actions.register(action)
    try:
        client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
        soup = page(client, url("organisation", released))
    finally:
        cell_actions.unregister(action)
    table = soup.first("table", id="concerns-table")
    rows = list(table.find(f"{HTML}tbody").iter(f"{HTML}tr"))
    assert rows
    for row in rows:
        links = [(_text(a), a.get("href")) for a in row.iter(f"{HTML}a") if a.get("data-cell-action") is not None]
        assert ("Create action from this", f"/actions/new?cell={row.get('data-cell')}") in links


def test_a_new_release_replaces_what_was_drawn(world, signed_in):
    """Drawings are cached per release: the final release replaces the interim one at once."""
    organisation = world.org("a")
    with organisation_scope(organisation):
        school = world.school("a", 0)
        add_staff(school, 40, 5)
        survey, _ = closed_wave(organisation=organisation, schools=[school], seed=5, close=False)
        release_build(survey=survey, kind=Release.Kind.INTERIM)
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    address = reverse("results:organisation", kwargs={"org": organisation.slug, "survey_id": survey.pk})
    first = page(client, address)
    assert "Interim release 1" in _text(first.first("dl", data_release_info=True))
    assert "These are interim results" in first.text()
    with organisation_scope(organisation):
        from surveys import services

        survey = services.survey_close(survey=survey)
        release_build(survey=survey, kind=Release.Kind.FINAL)
    again = page(client, address)
    assert "Final release 2" in _text(again.first("dl", data_release_info=True))
    assert "These are interim results" not in again.text()


def test_home_page_links_leads_and_trustees_to_the_dashboards(world, released, signed_in):
    for role in (Role.ORGANISATION_LEAD, Role.TRUSTEE, Role.GOVERNOR):
        client = signed_in(world.user("a", role))
        soup = page(client, reverse("tenancy:organisation_home", kwargs={"org": released.organisation.slug}))
        assert soup.first("a", href=reverse("results:index", kwargs={"org": released.organisation.slug})) is not None


# --- the demo ---------------------------------------------------------------------------------
def _demo_lead_client(signed_in):
    import io

    from django.contrib.auth import get_user_model

    from wellbeing.demo import load_demo
    from wellbeing.demo.tenancy import LOGINS

    load_demo(stdout=io.StringIO())
    login = next(login for login in LOGINS if login.role == Role.ORGANISATION_LEAD and
                 login.organisation_slug == "northbrook")
    return signed_in(get_user_model().objects.get(email=login.email))


@pytest.mark.django_db
def test_the_demo_trusts_dashboards_show_two_waves(signed_in):
    """`make demo` loads two past waves with their releases: the lead's home page leads to the
    dashboards, every dashboard's trend spans both waves, the organisation's totals are shown for
    both waves in every area, and schools shown in both waves have a trend in every area. (The
    demo's two small schools cannot be clustered, so disclosure control hides other cells: group
    cells and, in one wave, a school's total, never the organisation's.)"""
    client = _demo_lead_client(signed_in)
    home = page(client, reverse("tenancy:organisation_home", kwargs={"org": "northbrook"}))
    index_url = reverse("results:index", kwargs={"org": "northbrook"})
    assert home.first("a", href=index_url) is not None
    section = next(page(client, index_url).all("section"))  # the newest wave first
    links = {_text(a): a.get("href") for a in section.iter(f"{HTML}a")}
    organisation = page(client, links["Organisation dashboard"]).table("Every area by wave: whole organisation")
    assert len(organisation) == 14 and all(len(row) == 3 for row in organisation)
    assert all(v.endswith("%") for row in organisation for v in row[1:]), organisation
    with_trend = []
    for label, address in links.items():
        if label.endswith(" dashboard") and label != "Organisation dashboard":
            school = label.removesuffix(" dashboard")
            every_area = page(client, address).table(f"Every area by wave: {school}")
            assert len(every_area) == 14 and all(len(row) == 3 for row in every_area)
            if all(v.endswith("%") for row in every_area for v in row[1:]):
                with_trend.append(school)
    assert len(with_trend) >= 3, with_trend


def test_what_is_drawn_from_a_release_is_drawn_once(world, released, signed_in):
    """The second view of a dashboard takes its drawing from the cache: no result cell is read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    addresses = [url("organisation", released), url("school", released, school_id=released.schools[0].pk),
                 url("item", released, item_id=item_in(released, "workload-1").pk)]
    with CaptureQueriesContext(connection) as drawing:
        first = [without_tokens(client.get(address).content) for address in addresses]
    assert any("surveys_resultcell" in q["sql"] for q in drawing.captured_queries)
    with CaptureQueriesContext(connection) as reading:
        again = [without_tokens(client.get(address).content) for address in addresses]
    assert again == first
    assert not any("surveys_resultcell" in q["sql"] for q in reading.captured_queries)


def without_tokens(content: bytes) -> str:
    """A page without its CSRF tokens (masked afresh on every response)."""
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*', r"\1", content.decode())


def item_in(released, code):
    with organisation_scope(released.organisation):
        return Item.objects.get(instrument_id=released.survey.instrument_id, code=code)


def test_a_school_lead_drills_into_an_item_for_their_school_only(world, released, signed_in):
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))
    own, other = released.schools
    item = item_in(released, "workload-1")
    soup = page(client, url("item", released, item_id=item.pk))
    places = soup.table(f"“{item.text_in('en')}” by school")
    assert [row[0] for row in places] == [own.name]
    assert other.name not in soup.text()


def test_a_small_schools_lead_reads_their_cluster(world, signed_in):
    from surveys.tests.waves import roster
    from wellbeing.tenancy.tests.factories import MembershipFactory, UserFactory

    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={"Big": 40, **{f"Tiny {i}": 7 for i in range(1, 6)}}, seed=8)
        survey, _ = closed_wave(organisation=organisation, schools=schools, seed=8)
        release_build(survey=survey, kind=Release.Kind.FINAL)
        tiny = schools[1]
        lead = UserFactory(email="tiny-lead@a.example.org")
        MembershipFactory(user=lead, role=Role.SCHOOL_LEAD, school=tiny)
    client = signed_in(lead)
    small = SimpleNamespace(organisation=organisation, survey=survey)
    soup = page(client, url("school", small, school_id=tiny.pk))
    notice = _text(soup.first("div", data_cluster=True))
    assert "reported together with other small schools" in notice
    assert client.get(url("school", small, school_id=schools[0].pk)).status_code == 404
    # The organisation dashboard shows the organisation and the lead's cluster, no other school.
    heat = page(client, url("organisation", small)).table("% favourable by school and area")
    assert heat[0][0] == "Whole organisation" and len(heat) == 2 and heat[1][0] != "Big"


def test_each_language_has_its_own_drawing(world, released, signed_in):
    from django.conf import settings

    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    address = url("organisation", released)
    assert "Workload and demands" in page(client, address).text()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = page(client, address).text()
    assert "Charge de travail et exigences" in french and "Workload and demands" not in french
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Workload and demands" in page(client, address).text()


# --- whole pages kept per release and kind of reader (issue 4) ----------------------------------
def _queries_of(client, address):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as reading:
        response = client.get(address)
    assert response.status_code == 200, address
    return response, [q["sql"] for q in reading.captured_queries]


def test_a_kept_dashboard_costs_no_query(world, released, signed_in):
    """A dashboard already drawn for this kind of reader is served from the cache, and what the
    middlewares and the view look up (the session's user, the second factor, the organisation,
    the person's roles, the survey's published release, the school's name) is remembered by the
    process until it changes (wellbeing/tenancy/access_cache.py): no query at all, not even the
    organisation's scope (tests/test_remembered_access.py shows changes still take effect)."""
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))
    own = released.schools[0]
    for address in (url("organisation", released), url("school", released, school_id=own.pk)):
        client.get(address)
        response, queries = _queries_of(client, address)
        ordinary = [q for q in queries if not q.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
        assert ordinary == [], queries
        assert not any("surveys_resultcell" in q for q in queries)
        assert b"<svg" in response.content


def test_a_kept_page_is_shared_by_readers_of_one_kind_but_names_each_and_has_their_csrf_token(
        world, released, signed_in):
    from django.test import Client

    from conftest import login_with_mfa
    from wellbeing.tenancy.tests.factories import MembershipFactory, UserFactory

    first = world.user("a", Role.ORGANISATION_LEAD)
    with organisation_scope(released.organisation):
        second = UserFactory(email="second-lead@a.example.org")
        MembershipFactory(user=second, role=Role.ORGANISATION_LEAD)
    address = url("school", released, school_id=released.schools[1].pk)
    seen = {}
    for user in (first, second):
        client = login_with_mfa(Client(enforce_csrf_checks=True), user)
        response = client.get(address)
        content = response.content.decode()
        assert user.email in content
        assert not re.search(r"sw[0-9a-f]{32}", content)  # no placeholder left unfilled
        seen[user.email] = without_tokens(response.content).replace(user.email, "")
        # The page's token is this person's: the language form posts with it.
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1)
        assert client.post(reverse("set_language"), {"language": "en", "next": address,
                                                     "csrfmiddlewaretoken": token}).status_code == 302
    assert first.email not in seen[second.email] and second.email not in seen[first.email]
    assert seen[first.email] == seen[second.email]


def test_kept_pages_never_cross_roles_or_organisations(world, released, signed_in):
    """A school lead's kept page never reaches the organisation lead or the other way round,
    another school stays a 404 after the lead's own page is kept, and another organisation's
    lead still gets a 404 for the kept page's address."""
    own, other = released.schools
    lead = signed_in(world.user("a", Role.SCHOOL_LEAD))
    organisation_page = page(lead, url("organisation", released))
    assert [row[0] for row in organisation_page.table("% favourable by school and area")] == [
        "Whole organisation", own.name]
    page(lead, url("school", released, school_id=own.pk))
    assert lead.get(url("school", released, school_id=other.pk)).status_code == 404
    from django.test import Client

    from conftest import login_with_mfa

    organisation_lead = login_with_mfa(Client(), world.user("a", Role.ORGANISATION_LEAD))
    rows = page(organisation_lead, url("organisation", released)).table("% favourable by school and area")
    assert {row[0] for row in rows} == {"Whole organisation", own.name, other.name}
    stranger = login_with_mfa(Client(), world.user("b", Role.ORGANISATION_LEAD))
    assert stranger.get(url("school", released, school_id=own.pk)).status_code == 404
    assert stranger.get(url("organisation", released)).status_code == 404


def test_a_made_up_choice_is_drawn_but_not_kept(world, released, signed_in):
    """Addresses with made-up choices or other parameters are drawn for the request, never kept
    (made-up addresses must not fill the cache): asked twice, they are drawn twice."""
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))
    address = url("organisation", released)
    page(client, address)
    _response, kept = _queries_of(client, address)
    assert not any("surveys_instrument" in q for q in kept)
    for query in ("?area=no-such-area", "?area=x&area=y", "?other=1"):
        assert "Workload and demands" in page(client, address + query).text()
        response, queries = _queries_of(client, address + query)
        assert any("surveys_instrument" in q for q in queries), query  # drawn again
