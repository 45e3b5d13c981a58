"""Organisation wellbeing leads' list of surveys: create a draft wave, open and close it by hand,
and reach each survey's response rates and shared links. School leads see the list read-only
(their way in to their school's response rates); everyone else gets a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wellbeing.tenancy.models import Role, School
from wellbeing.tenancy.permissions import require

from . import services
from .models import DemographicQuestion, Instrument, Survey


class SurveyForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    instrument = forms.ModelChoiceField(label=gettext_lazy("Questionnaire"), queryset=Instrument.objects.none())
    schools = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Schools"), queryset=School.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    opens_at = forms.DateTimeField(
        label=gettext_lazy("Opens at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Closes at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    demographic_questions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Questions about the respondent"), required=False,
        queryset=DemographicQuestion.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Results can be cut by these. They cannot change once the survey opens."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = Instrument.objects.filter(status=Instrument.Status.PUBLISHED)
        self.fields["schools"].queryset = School.objects.filter(is_active=True)
        self.fields["demographic_questions"].queryset = DemographicQuestion.objects.all()


def _require_lead(request, *, write: bool) -> None:
    access = request.access
    require(access.can_lead_organisation or (not write and bool(access.schools_for(Role.SCHOOL_LEAD))))


def survey_list(request, org):
    _require_lead(request, write=False)
    form = None
    if request.access.can_lead_organisation:
        form = SurveyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                survey = services.survey_create(
                    organisation=request.organisation, instrument=data["instrument"], title=data["title"],
                    schools=data["schools"], opens_at=data["opens_at"], closes_at=data["closes_at"],
                    demographic_questions=list(data["demographic_questions"]),
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Survey “%(title)s” created as a draft.") % {"title": survey.title})
                return redirect("survey_manage:list", org=org)
    surveys = Survey.objects.select_related("instrument").order_by("-opens_at")
    return render(
        request, "surveys/manage/list.html",
        {"surveys": surveys, "form": form, "can_manage": request.access.can_lead_organisation},
        status=400 if form is not None and form.errors else 200,
    )


def survey_change_status(request, org, survey_id, action):  # action comes from the URL pattern
    _require_lead(request, write=True)
    survey = get_object_or_404(Survey, pk=survey_id)  # another organisation's survey: 404 first
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    change = {"open": services.survey_open, "close": services.survey_close}.get(action)
    require(change is not None)
    try:
        change(survey=survey)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Survey opened.") if action == "open" else _("Survey closed."))
    return redirect("survey_manage:list", org=org)



