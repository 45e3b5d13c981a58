"""Forms for organisation administration: schools and the staff roster."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import School


class SchoolForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    phase = forms.ChoiceField(label=_("Phase"), choices=School.Phase.choices)
    staff_count = forms.IntegerField(
        label=_("Number of staff"),
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
        help_text=_("Everyone who works there, used to report response rates."),
    )


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("A CSV (UTF-8) or Excel (.xlsx) file with one person per row."),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
        error_messages={"required": _("Choose the roster file to upload.")},
    )


class RosterFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("active", _("Current staff")),
        ("inactive", _("Leavers")),
        ("all", _("Everyone")),
    ]

    school = forms.TypedChoiceField(label=_("School"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Show"), choices=STATUS_CHOICES, required=False)

    def __init__(self, *args, schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", _("All schools"))] + [(s.pk, s.name) for s in schools]

    def filters(self) -> dict:
        """The filters to apply: invalid or missing values fall back to the defaults."""
        data = self.cleaned_data if self.is_valid() else {}
        return {"school_id": data.get("school"), "status": data.get("status") or "active"}
