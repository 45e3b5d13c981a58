"""Instruments: the built-in core, the HSE layout, the import/export format, and frozen versions."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from surveys import services
from surveys.instrument_format import InstrumentFormatError
from surveys.models import (
    PREFER_NOT_TO_SAY,
    CommentQuestion,
    DemographicQuestion,
    Domain,
    Instrument,
    InstrumentLocked,
    Item,
)
from surveys.tests.factories import core_instrument
from wellbeing.tenancy.context import organisation_scope

INSTRUMENTS = Path(services.instruments.BUILTIN_DIRECTORY)
HSE_LAYOUT = {
    "demands": [3, 6, 9, 12, 16, 18, 20, 22],
    "control": [2, 10, 15, 19, 25, 30],
    "manager-support": [8, 23, 29, 33, 35],
    "peer-support": [7, 24, 27, 31],
    "relationships": [5, 14, 21, 34],
    "role": [1, 4, 11, 13, 17],
    "change": [26, 28, 32],
}
LANGUAGES = ("en", "fr", "cy")


def import_hse(organisation):
    return services.instrument_import(
        organisation=organisation, data=(INSTRUMENTS / "hse_layout.csv").read_bytes(), format="csv",
        code="hse-indicator", name="HSE Management Standards Indicator Tool",
    )


def every_language(texts: dict) -> bool:
    return all(texts.get(language, "").strip() for language in LANGUAGES)


def test_the_core_instrument_has_about_forty_items_and_every_text_in_three_languages(world):
    with organisation_scope(world.org("a")):
        core = core_instrument()
        items = list(Item.objects.filter(instrument=core).select_related("domain"))
        domains = list(Domain.objects.filter(instrument=core))
        comments = list(CommentQuestion.objects.filter(instrument=core))
        demographics = list(DemographicQuestion.objects.filter(organisation__isnull=True))

        assert core.is_published and core.is_builtin and core.languages == list(LANGUAGES)
        assert len([item for item in items if not item.domain.is_outcome]) == 40
        assert {d.code for d in domains if d.is_outcome} == {"job-satisfaction", "intention-to-stay", "personal-wellbeing"}
        assert {d.code for d in domains if not d.is_outcome} == {
            "workload", "control", "leadership", "peer-support", "relationships", "role-clarity", "change",
            "recognition", "work-life-balance", "professional-growth", "psychological-safety",
        }
        assert 3 <= sum(item.domain.code == "personal-wellbeing" for item in items) <= 4
        assert len(comments) == 2
        assert {q.code for q in demographics} >= {
            "job_category", "contract", "length_of_service", "age_band", "gender", "disability", "ethnicity",
        }
        texts = [core.name] + [d.name for d in domains] + [i.text for i in items] + [c.text for c in comments]
        texts += [q.text for q in demographics] + [o["text"] for q in demographics for o in q.options]
        assert [t for t in texts if not every_language(t)] == []
        # Translated, not copied: no item reads the same in French or Welsh as in English.
        assert [i.code for i in items if i.text["fr"] == i.text["en"] or i.text["cy"] == i.text["en"]] == []
        for question in demographics:
            assert question.options[-1]["code"] == PREFER_NOT_TO_SAY
            assert question.option_codes.count(PREFER_NOT_TO_SAY) == 1


def test_loading_the_built_in_instruments_again_adds_nothing(world):
    with organisation_scope(world.org("a")):
        core_instrument()
        before = (Instrument.objects.count(), Item.objects.count(), DemographicQuestion.objects.count())
        services.instrument_load_builtin()
        assert (Instrument.objects.count(), Item.objects.count(), DemographicQuestion.objects.count()) == before


def test_the_hse_layout_imports_as_35_items_in_7_domains_with_demands_and_relationships_reversed(world):
    with organisation_scope(world.org("a")):
        instrument = import_hse(world.org("a"))
        items = {item.number: item for item in Item.objects.filter(instrument=instrument).select_related("domain")}

        assert sorted(items) == list(range(1, 36))
        assert Domain.objects.filter(instrument=instrument).count() == 7
        assert {code: sorted(n for n, i in items.items() if i.domain.code == code) for code in HSE_LAYOUT} == HSE_LAYOUT
        assert sorted(n for n, i in items.items() if i.reverse_scored) == sorted(
            HSE_LAYOUT["demands"] + HSE_LAYOUT["relationships"]
        )
        assert items[1].text == {"en": "Item 1", "fr": "Élément 1", "cy": "Eitem 1"}
        assert (instrument.organisation, instrument.status) == (world.org("a"), Instrument.Status.DRAFT)
    with organisation_scope(world.org("b")):
        assert not Instrument.objects.filter(pk=instrument.pk).exists()
        assert not Item.objects.filter(instrument_id=instrument.pk).exists()


def test_a_bad_csv_names_every_bad_row_and_field_and_imports_nothing(world):
    csv_text = (
        "number,domain_code,domain_name,text_en,scale,reverse_scored,allows_not_applicable\n"
        "1,demands,Demands,I have unachievable deadlines,frequency,yes,no\n"
        "2,demands,Demands,,sometimes,maybe,no\n"
        "1,control,Control,My own pace,agreement,no,no\n"
    )
    with organisation_scope(world.org("a")):
        before = Instrument.objects.count()
        with pytest.raises(InstrumentFormatError) as error:
            services.instrument_import(organisation=world.org("a"), data=csv_text, format="csv", code="mine", name="Mine")
        assert Instrument.objects.count() == before
    problems = {(p.where, p.field) for p in error.value.problems}
    assert problems == {("row 3", "text_en"), ("row 3", "scale"), ("row 3", "reverse_scored"), ("row 4", "number")}
    assert "row 3, scale: must be one of agreement, frequency (got 'sometimes')" in error.value.messages


def test_a_csv_without_a_required_column_says_which(world):
    with organisation_scope(world.org("a")), pytest.raises(InstrumentFormatError) as error:
        services.instrument_import(
            organisation=world.org("a"), data="number,domain_code,text_en\n1,x,Hello\n", format="csv", code="x", name="X",
        )
    assert {p.field for p in error.value.problems} == {"domain_name", "scale", "reverse_scored", "allows_not_applicable"}


def test_a_bad_json_file_names_the_entry_and_field(world):
    document = {
        "format": "staffwell-instrument", "format_version": 1, "code": "mine", "version": 1,
        "name": {"en": "Mine"},
        "domains": [{"code": "d", "name": {"en": "D"}, "area": "nowhere"}],
        "items": [{"number": 1, "domain": "missing", "text": {"en": "Hello", "de": "Hallo"}, "scale": "agreement"}],
    }
    with organisation_scope(world.org("a")), pytest.raises(InstrumentFormatError) as error:
        services.instrument_import(organisation=world.org("a"), data=document, format="json")
    assert {(p.where, p.field) for p in error.value.problems} == {
        ("domains[0]", "area"), ("items[0]", "domain"), ("items[0]", "text"),
    }


@pytest.mark.parametrize("file_format", ["json", "csv"])
def test_an_exported_instrument_imports_back_the_same(world, file_format):
    with organisation_scope(world.org("a")):
        core = core_instrument()
        exported = services.instrument_export(instrument=core, format=file_format)
        copy = services.instrument_import(
            organisation=world.org("a"), data=exported, format=file_format, code="copy", name="Staffwell core survey",
        )

        def shape(instrument):
            return [
                (i.number, i.code, i.domain.code, i.domain.name, i.text, i.scale, i.reverse_scored, i.allows_not_applicable)
                for i in Item.objects.filter(instrument=instrument).select_related("domain").order_by("number")
            ]

        assert shape(copy) == shape(core)
        assert copy.languages == core.languages
        if file_format == "json":
            assert [c.text for c in CommentQuestion.objects.filter(instrument=copy)] == [
                c.text for c in CommentQuestion.objects.filter(instrument=core)
            ]


def test_the_csv_export_escapes_formula_looking_text(world):
    csv_text = (
        "number,domain_code,domain_name,text_en,scale,reverse_scored,allows_not_applicable\n"
        "1,d,Domain,\"=HYPERLINK(\"\"http://x\"\")\",agreement,no,no\n"
    )
    with organisation_scope(world.org("a")):
        instrument = services.instrument_import(organisation=world.org("a"), data=csv_text, format="csv", code="f", name="F")
        exported = services.instrument_export(instrument=instrument, format="csv")
        assert "'=HYPERLINK" in exported
        again = services.instrument_import(organisation=world.org("a"), data=exported, format="csv", code="f", name="F")
        assert Item.objects.get(instrument=again).text["en"] == '=HYPERLINK("http://x")'


def test_a_published_instrument_refuses_every_edit(world):
    with organisation_scope(world.org("a")):
        core = core_instrument()
        item = Item.objects.filter(instrument=core).first()
        domain = item.domain
        item.text = {"en": "Changed"}
        with pytest.raises(InstrumentLocked):
            item.save()
        with pytest.raises(InstrumentLocked):
            item.delete()
        with pytest.raises(InstrumentLocked):
            Item.objects.create(instrument=core, domain=domain, number=999, code="new", text={"en": "New"})
        core.name = {"en": "Renamed"}
        with pytest.raises(InstrumentLocked):
            core.save()
        with pytest.raises(InstrumentLocked):
            core.delete()
        with pytest.raises(ValidationError, match="Built-in instruments cannot be changed"):
            services.instrument_add_item(
                organisation=world.org("a"), instrument=core, domain_code="workload", text="Extra"
            )
        assert Item.objects.get(pk=item.pk).text["en"] != "Changed"


def test_a_lead_adds_custom_items_to_their_own_draft_version_until_it_is_published(world):
    with organisation_scope(world.org("a")):
        core = core_instrument()
        mine = services.instrument_new_version(organisation=world.org("a"), source=core)
        assert (mine.organisation, mine.derived_from, mine.is_published) == (world.org("a"), core, False)

        item = services.instrument_add_item(
            organisation=world.org("a"), instrument=mine, domain_code="trust-priorities",
            domain_name={"en": "Trust priorities", "fr": "Priorités", "cy": "Blaenoriaethau"},
            text={"en": "The new timetable works for me.", "fr": "Le nouvel emploi du temps me convient.",
                  "cy": "Mae'r amserlen newydd yn gweithio i mi."},
        )
        assert (item.number, item.code, item.domain.code) == (49, "custom-49", "trust-priorities")
        assert Item.objects.filter(instrument=mine).count() == 49
        assert Item.objects.filter(instrument=core).count() == 48  # the built-in version is untouched

        english_only = services.instrument_add_item(
            organisation=world.org("a"), instrument=mine, domain_code="workload", text="Marking is manageable."
        )
        mine.refresh_from_db()
        assert english_only.domain.code == "workload" and mine.languages == ["en"]

        services.instrument_publish(organisation=world.org("a"), instrument=mine)
        with pytest.raises(InstrumentLocked):
            services.instrument_add_item(organisation=world.org("a"), instrument=mine, domain_code="workload", text="Late")
    with organisation_scope(world.org("b")):
        assert not Instrument.objects.filter(pk=mine.pk).exists()
        assert Instrument.objects.filter(pk=core.pk).exists()  # built-in: everyone's


def test_built_in_rows_are_readable_by_every_organisation_but_writable_by_none(world):
    with organisation_scope(world.org("a")):
        core = core_instrument()
        import_hse(world.org("a"))
    with organisation_scope(world.org("b")), connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM surveys_item WHERE instrument_id = %s", [core.pk])
        assert cursor.fetchone()[0] == 48
        cursor.execute("SELECT count(*) FROM surveys_item WHERE organisation_id = %s", [world.org("a").pk])
        assert cursor.fetchone()[0] == 0
        cursor.execute("UPDATE surveys_item SET text = '{}' WHERE instrument_id = %s", [core.pk])
        assert cursor.rowcount == 0
        cursor.execute("DELETE FROM surveys_instrument WHERE id = %s", [core.pk])
        assert cursor.rowcount == 0
