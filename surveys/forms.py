"""Forms of the survey pages: one per page type, every question optional (skipping is allowed).

Fields are named after the item, demographic question or comment question code, so a draft
(which stores answers by code) fills them back in as they were.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NOT_APPLICABLE, localised
from .services.responses import MAX_COMMENT


def _choice_value(value) -> str:
    return "" if value is None else str(value)


class ItemsPageForm(forms.Form):
    """The items of one domain, each a set of five radios (and "not applicable" where offered)."""

    def __init__(self, *args, items, language: str, draft_answers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            choices = [(str(value), label) for value, label in item.scale_labels]
            if item.allows_not_applicable:
                choices.append((NOT_APPLICABLE, _("Not applicable")))
            self.fields[item.code] = forms.ChoiceField(
                label=item.text_in(language),
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
                initial=_choice_value(draft_answers.get(item.code)),
                error_messages={"invalid_choice": _("Choose one of the answers given for this statement.")},
            )
            self.fields[item.code].item = item

    def answers(self) -> dict[str, int | str]:
        """The page's valid answers by item code ("" for an item left unanswered)."""
        cleaned = {}
        for code in self.fields:
            if code in self.cleaned_data:
                value = self.cleaned_data[code]
                cleaned[code] = int(value) if value and value != NOT_APPLICABLE else value
        return cleaned


class DemographicsForm(forms.Form):
    """The "about you" questions; "prefer not to say" is always one of the options."""

    def __init__(self, *args, questions, language: str, draft_demographics: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[question.code] = forms.ChoiceField(
                label=question.text_in(language),
                choices=question.options_in(language),
                required=False,
                widget=forms.RadioSelect,
                initial=draft_demographics.get(question.code, ""),
                error_messages={"invalid_choice": _("Choose one of the answers given for this question.")},
            )

    def answers(self) -> dict[str, str]:
        return {code: self.cleaned_data[code] for code in self.fields if code in self.cleaned_data}


class CommentsForm(forms.Form):
    def __init__(self, *args, questions, language: str, draft_comments: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[question.code] = forms.CharField(
                label=question.text_in(language),
                required=False,
                max_length=MAX_COMMENT,
                strip=True,
                widget=forms.Textarea(attrs={"rows": 5, "class": "govuk-textarea"}),
                initial=draft_comments.get(question.code, ""),
                error_messages={
                    "max_length": _("Write at most %(limit_value)d characters (you wrote %(show_value)d)."),
                },
            )

    def answers(self) -> dict[str, str]:
        """The valid comments. One that is too long is not saved, but the page shows it again
        as typed, with the error, so the person can shorten it rather than lose it."""
        return {code: self.cleaned_data[code] for code in self.fields if code in self.cleaned_data}


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=())
    next = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, languages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(code, code) for code in languages]


def option_label(options: list[dict], code: str, language: str) -> str:
    for option in options:
        if option["code"] == code:
            return localised(option["text"], language)
    return code
