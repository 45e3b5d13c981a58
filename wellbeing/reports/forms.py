"""Forms of the reports' pages. They parse input only; the services check and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DEFAULT_DAYS_BEFORE

TRUST_BOARD = "trust"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _board_choices(schools, *, trust_board: bool) -> list[tuple[str, str]]:
    choices = [(TRUST_BOARD, _("Trust board (every school)"))] if trust_board else []
    return choices + [(str(school.pk), school.name) for school in schools]


class BoardField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(label=_("Which board?"), widget=forms.RadioSelect, **kwargs)
        self.error_messages["required"] = _("Choose the board.")


class MeetingForm(forms.Form):
    board = BoardField()
    title = forms.CharField(label=_("Title"), max_length=200, help_text=_("For example “Spring term full board”."),
                            error_messages={"required": _("Enter the meeting's title.")})
    date = forms.DateField(label=_("Meeting date"), widget=DateInput(),
                           error_messages={"required": _("Enter the meeting's date."),
                                           "invalid": _("Enter a real date, for example 2027-03-18.")})
    days_before = forms.IntegerField(
        label=_("Prepare the report this many days before the meeting"), min_value=0, max_value=120,
        initial=DEFAULT_DAYS_BEFORE,
        error_messages={"required": _("Enter a number of days between 0 and 120."),
                        "min_value": _("Enter a number of days between 0 and 120."),
                        "max_value": _("Enter a number of days between 0 and 120."),
                        "invalid": _("Enter a number of days between 0 and 120.")},
    )

    def __init__(self, *args, schools, trust_board: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].choices = _board_choices(schools, trust_board=trust_board)


class GenerateForm(forms.Form):
    board = BoardField()

    def __init__(self, *args, schools, trust_board: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].choices = _board_choices(schools, trust_board=trust_board)
