"""Forms of the charter pages. They parse input only; the services check and write."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.areas import WellbeingArea

from .charter_templates import charter_templates
from .evidence import accepted_types, max_bytes
from .models import Commitment, Rating

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def language_name(code: str) -> str:
    return str(LANGUAGE_NAMES.get(code, code))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AdoptForm(forms.Form):
    template = forms.ChoiceField(label=_("Which charter do you want to start from?"), widget=forms.RadioSelect)
    languages = forms.MultipleChoiceField(
        label=_("Languages of your charter"),
        help_text=_("Staff read the charter in these languages. Each commitment must be written in every one of them."),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one language.")},
    )

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [
            (t.code, f"{t.name_in(language)} – {t.summary_in(language)}") for t in charter_templates()
        ]
        self.fields["template"].error_messages["required"] = _("Choose a charter to start from.")


class LanguageTextsMixin:
    """One field per charter language for each translated text (title_en, title_cy, ...)."""

    def add_language_fields(self, name, label, languages, *, required, textarea, max_length, initial=None):
        for code in languages:
            field_label = label if len(languages) == 1 else f"{label} ({language_name(code)})"
            widget = forms.Textarea(attrs={"rows": 4, "lang": code}) if textarea else forms.TextInput(attrs={"lang": code})
            self.fields[f"{name}_{code}"] = forms.CharField(
                label=field_label, required=required, max_length=max_length, widget=widget,
                initial=(initial or {}).get(code, ""),
                error_messages={"required": _("Write this in %(language)s.") % {"language": language_name(code)}},
            )

    def texts(self, name, languages) -> dict:
        return {code: self.cleaned_data.get(f"{name}_{code}", "") for code in languages}


class CharterTextForm(LanguageTextsMixin, forms.Form):
    def __init__(self, *args, languages, title=None, intro=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = languages
        self.add_language_fields("title", _("Title"), languages, required=True, textarea=False, max_length=200, initial=title)
        self.add_language_fields("intro", _("Introduction"), languages, required=False, textarea=True, max_length=4000, initial=intro)


class CharterCreateForm(LanguageTextsMixin, forms.Form):
    languages = forms.MultipleChoiceField(
        label=_("Languages of your charter"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one language.")},
    )
    title = forms.CharField(label=_("Title"), max_length=200, error_messages={"required": _("Give your charter a title.")})


class ItemChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, language, **kwargs):
        self.language = language
        super().__init__(*args, **kwargs)

    def label_from_instance(self, item):
        return f"{item.instrument.name_in(self.language)} – {item.number}. {item.text_in(self.language)}"


class CommitmentForm(LanguageTextsMixin, forms.Form):
    area = forms.ChoiceField(label=_("Wellbeing area"), choices=[("", _("Choose an area")), *WellbeingArea.choices])
    pledged_by = forms.ChoiceField(
        label=_("Who makes this commitment?"), choices=Commitment.PledgedBy.choices, widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, languages, items, language, commitment: Commitment | None = None, **kwargs):
        initial = kwargs.pop("initial", {}) or {}
        if commitment is not None:
            initial.update(area=commitment.area, pledged_by=commitment.pledged_by,
                           items=[link.item_id for link in commitment.item_links.all()])
        super().__init__(*args, initial=initial, **kwargs)
        self.languages = languages
        self.add_language_fields("statement", _("Commitment"), languages, required=True, textarea=True,
                                 max_length=600, initial=commitment.statement if commitment else None)
        self.add_language_fields("responsible", _("Who is responsible"), languages, required=False, textarea=False,
                                 max_length=600, initial=commitment.responsible if commitment else None)
        self.add_language_fields("evidence", _("How it will be evidenced"), languages, required=False, textarea=True,
                                 max_length=600, initial=commitment.evidence if commitment else None)
        self.fields["items"] = ItemChoiceField(
            queryset=items, language=language, required=False, widget=forms.CheckboxSelectMultiple,
            label=_("Survey questions that measure it"),
            help_text=_("Their released results are shown beside each school's rating."),
        )
        self.order_fields(["area", "pledged_by", *[f"statement_{c}" for c in languages]])


class ReviewPeriodForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("For example “2025–26 self-assessment”."),
        error_messages={"required": _("Give the review period a name.")},
    )
    opens_on = forms.DateField(label=_("Opens on"), widget=DateInput(), error_messages={
        "required": _("Enter the day the review period opens."), "invalid": _("Enter a real date.")})
    due_on = forms.DateField(label=_("Due on"), help_text=_("Leads are reminded a week before, the day before and once when it is overdue."),
                             widget=DateInput(), error_messages={
                                 "required": _("Enter the day reviews are due."), "invalid": _("Enter a real date.")})


class RatingForm(forms.Form):
    level = forms.ChoiceField(
        label=_("How far is this commitment in place?"), choices=Rating.Level.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose how far this commitment is in place.")},
    )
    narrative = forms.CharField(
        label=_("What is in place, and what is next"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    evidence_url = forms.URLField(
        label=_("Add a link to evidence (optional)"), required=False, max_length=500, assume_scheme="https",
        help_text=_("A web address staff and governors can open, for example a policy on your website."),
        error_messages={"invalid": _("Enter a full web address, starting with https://")},
    )
    evidence_title = forms.CharField(label=_("What the link shows (optional)"), required=False, max_length=200)
    evidence_file = forms.FileField(label=_("Attach a file as evidence (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.template.defaultfilters import filesizeformat

        self.fields["evidence_file"].help_text = _("Attach %(types)s, up to %(size)s.") % {
            "types": accepted_types(), "size": filesizeformat(max_bytes()),
        }


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"), max_length=1000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Do not write your name or anything that would identify you or a colleague. "
                    "Email addresses and phone numbers are removed."),
        error_messages={"required": _("Write your comment.")},
    )
