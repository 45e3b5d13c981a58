"""Forms for objectives, plans, actions, updates, "you said, we did" and workload assessments.

Forms parse input; the rules (the SMART checks, evidence files, who may quote what) live in the
services, whose errors come back to the fields named in them. That is why most fields here are
not `required`: the service says which SMART part is missing, each in its own words.
"""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from surveys.models import Domain, Item, Survey
from wellbeing.tenancy.areas import WellbeingArea
from wellbeing.tenancy.models import School, StaffMember

from .evidence import allowed_names, max_bytes
from .models import Action, ActionFinding, ActionPlan, Objective, WorkloadAssessment
from .services import FindingReference, academic_year_of

ORGANISATION = "organisation"
DATE = forms.DateInput(attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}, format="%Y-%m-%d")
NUMBER = forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-5", "step": "any", "inputmode": "decimal"})
MINUTES = forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-4", "inputmode": "numeric"})


def _text(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "govuk-textarea"})


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.full_name or user.email


def scope_choices(*, schools, organisation: bool) -> list[tuple[str, str]]:
    choices = [(ORGANISATION, _("The whole organisation"))] if organisation else []
    return choices + [(str(school.pk), school.name) for school in schools]


class ScopeMixin:
    """A `school` field: a school, or the whole organisation (empty) for organisation leads."""

    def setup_scope(self, *, schools, organisation: bool, label) -> None:
        self._schools = {str(school.pk): school for school in schools}
        self.fields["school"] = forms.ChoiceField(
            label=label, choices=scope_choices(schools=schools, organisation=organisation),
            error_messages={"invalid_choice": _("Choose one of the schools you lead.")},
        )

    def clean_school(self) -> School | None:
        value = self.cleaned_data["school"]
        return self._schools.get(value) if value != ORGANISATION else None


# --- Objectives -------------------------------------------------------------------------------
def measure_choices():
    """Domains and items of the published instruments, grouped by instrument."""
    choices = []
    domains = Domain.objects.filter(instrument__status="published").select_related("instrument")
    items = Item.objects.filter(instrument__status="published").select_related("instrument")
    by_instrument: dict = {}
    for domain in domains.order_by("instrument_id", "order", "id"):
        by_instrument.setdefault(domain.instrument, []).append(
            (f"domain:{domain.pk}", _("Domain: %(name)s") % {"name": domain.name_in(_language())}))
    for item in items.order_by("instrument_id", "order", "number"):
        by_instrument.setdefault(item.instrument, []).append(
            (f"item:{item.pk}", _("Item %(number)s: %(text)s") % {"number": item.number,
                                                                  "text": item.text_in(_language())}))
    for instrument, options in by_instrument.items():
        choices.append((instrument.name_in(_language()), options))
    return [("", _("Choose a measure"))] + choices


def _language() -> str:
    return (get_language() or "en").split("-")[0]


class ObjectiveForm(ScopeMixin, forms.Form):
    title = forms.CharField(
        label=_("Objective"), max_length=300, required=False,
        help_text=_("One sentence: what will change, for whom, by when. For example: “More staff feel "
                    "their workload is manageable by July 2027.”"),
    )
    owner = UserChoiceField(label=_("Owner"), queryset=None, required=False, empty_label=_("No one yet"))
    rationale = forms.CharField(label=_("Why this objective"), required=False, widget=_text(),
                                help_text=_("The finding or the concern behind it."))
    metric_kind = forms.ChoiceField(
        label=_("How will progress be measured?"), required=False, widget=forms.RadioSelect,
        choices=Objective.MetricKind.choices,
    )
    measure = forms.ChoiceField(label=_("Survey item or domain"), required=False,
                                help_text=_("Read from each released survey, at the objective's school or for "
                                            "the whole organisation."))
    statistic = forms.ChoiceField(label=_("Statistic"), required=False, widget=forms.RadioSelect,
                                  choices=Objective.Statistic.choices)
    baseline_survey = forms.ModelChoiceField(
        label=_("Baseline survey"), queryset=Survey.objects.none(), required=False,
        empty_label=_("The first survey whose results include this measure"),
    )
    series = forms.ChoiceField(label=_("Series"), required=False,
                               choices=[("", _("Choose a series"))] + Objective.Series.choices)
    custom_name = forms.CharField(label=_("Name of the measure"), required=False, max_length=120,
                                  help_text=_("Only for another measure: for example “Staff taking their PPA time in full”."))
    custom_unit = forms.CharField(label=_("Unit"), required=False, max_length=30,
                                  widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-10"}))
    higher_is_better = forms.TypedChoiceField(
        label=_("Which way is better?"), required=False, widget=forms.RadioSelect,
        choices=[("true", _("Higher is better")), ("false", _("Lower is better"))],
        coerce=lambda value: value == "true", empty_value=True,
        help_text=_("Only for another measure: absence and turnover should fall, EAP uptake rise."),
    )
    baseline_value = forms.DecimalField(label=_("Baseline value"), required=False, widget=NUMBER,
                                        max_digits=9, decimal_places=2,
                                        help_text=_("Only for a series: its value now, the first reading."))
    baseline_date = forms.DateField(label=_("Baseline date"), required=False, widget=DATE)
    baseline_source = forms.CharField(label=_("Source of the baseline"), required=False, max_length=200,
                                      help_text=_("For example “HR absence report, autumn term”."))
    target_value = forms.DecimalField(label=_("Target"), required=False, widget=NUMBER, max_digits=9,
                                      decimal_places=2)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE)

    field_order = ["school", "title", "owner", "rationale", "metric_kind", "measure", "statistic",
                   "baseline_survey", "series", "custom_name", "custom_unit", "higher_is_better",
                   "baseline_value", "baseline_date", "baseline_source", "target_value", "target_date"]

    def __init__(self, *args, schools, organisation: bool, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_scope(schools=schools, organisation=organisation, label=_("Whose objective is it?"))
        self.order_fields(self.field_order)
        self.fields["owner"].queryset = owners
        self.fields["measure"].choices = measure_choices()
        self.fields["baseline_survey"].queryset = Survey.objects.order_by("-opens_at")

    def clean_measure(self):
        value = self.cleaned_data["measure"]
        kind, _sep, pk = value.partition(":")
        if kind == "domain":
            return Domain.objects.filter(pk=pk).first()
        if kind == "item":
            return Item.objects.filter(pk=pk).first()
        return None

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        measure = data.pop("measure")
        data["measure_item"] = measure if isinstance(measure, Item) else None
        data["measure_domain"] = measure if isinstance(measure, Domain) else None
        return data


class ObjectiveEditForm(forms.Form):
    title = forms.CharField(label=_("Objective"), max_length=300, required=False)
    owner = UserChoiceField(label=_("Owner"), queryset=None, required=False, empty_label=_("No one yet"))
    rationale = forms.CharField(label=_("Why this objective"), required=False, widget=_text())
    custom_name = forms.CharField(label=_("Name of the measure"), required=False, max_length=120)
    custom_unit = forms.CharField(label=_("Unit"), required=False, max_length=30)
    target_value = forms.DecimalField(label=_("Target"), required=False, widget=NUMBER, max_digits=9,
                                      decimal_places=2)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE)

    def __init__(self, *args, objective: Objective, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        if objective.series != Objective.Series.CUSTOM:
            del self.fields["custom_name"]
            del self.fields["custom_unit"]


class ReadingForm(forms.Form):
    date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    value = forms.DecimalField(label=_("Value"), required=False, widget=NUMBER, max_digits=9, decimal_places=2)
    source = forms.CharField(label=_("Source"), required=False, max_length=200,
                             help_text=_("Where the figure comes from, for example “HR system, spring term”."))


# --- Plans and actions -------------------------------------------------------------------------
class PlanForm(ScopeMixin, forms.Form):
    year = forms.CharField(label=_("Academic year"), max_length=7,
                           widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-5"}),
                           help_text=_("For example 2026/27."))
    summary = forms.CharField(label=_("Summary"), required=False, widget=_text(3),
                              help_text=_("What this year's plan concentrates on, in a few lines."))

    def __init__(self, *args, schools, organisation: bool, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("year", academic_year_of(timezone.localdate()))
        super().__init__(*args, **kwargs)
        self.setup_scope(schools=schools, organisation=organisation, label=_("Whose plan is it?"))
        self.order_fields(["school", "year", "summary"])


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, plan: ActionPlan) -> str:
        return f"{plan.scope_name} – {plan.year}"


class ObjectiveChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, objective: Objective) -> str:
        where = objective.school.name if objective.school_id else _("Organisation")
        return f"{objective.title} ({where})"


class CommitmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, commitment) -> str:
        return commitment.statement_in(_language())


class ActionForm(forms.Form):
    plan = PlanChoiceField(label=_("Plan"), queryset=ActionPlan.objects.none(),
                           error_messages={"required": _("Choose the plan the action belongs to.")})
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=_text())
    level = forms.ChoiceField(
        label=_("Level"), required=False, widget=forms.RadioSelect, choices=Action.Level.choices,
        help_text=_("Individual: support for one person. Collaborative: a team or group. Systemic: a "
                    "policy, process or structure."),
    )
    area = forms.ChoiceField(label=_("Wellbeing area"), required=False,
                             choices=[("", _("Choose an area"))] + WellbeingArea.choices)
    owner = UserChoiceField(label=_("Owner"), queryset=None, required=False, empty_label=_("No one yet"))
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices, initial=Action.Status.PLANNED)
    objectives = ObjectiveChoiceField(label=_("Objectives it works towards"), required=False,
                                      queryset=Objective.objects.none(), widget=forms.CheckboxSelectMultiple)
    commitments = CommitmentChoiceField(label=_("Charter commitments it helps keep"), required=False,
                                        queryset=Objective.objects.none(), widget=forms.CheckboxSelectMultiple)
    release = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    cell = forms.CharField(required=False, widget=forms.HiddenInput, max_length=300)
    finding_description = forms.CharField(
        label=_("The survey finding that prompted it"), required=False, max_length=300,
        help_text=_("In your own words if you like, for example “Workload: fewer than half favourable at "
                    "Ashdown”. Left empty, the result's own name is used."),
    )

    def __init__(self, *args, plans, owners, objectives, commitments, with_finding: bool, editing: bool = False,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["owner"].queryset = owners
        self.fields["objectives"].queryset = objectives
        self.fields["commitments"].queryset = commitments
        if not commitments.exists():
            del self.fields["commitments"]
        if editing:
            del self.fields["plan"]
        if not with_finding:
            for name in ("release", "cell", "finding_description"):
                del self.fields[name]

    def finding(self):
        release, cell = self.cleaned_data.get("release"), self.cleaned_data.get("cell")
        if not release or not cell:
            return None
        return FindingReference(release_id=release, cell_key=cell,
                                description=self.cleaned_data.get("finding_description", ""))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "govuk-file-upload"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ProgressUpdateForm(forms.Form):
    date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    note = forms.CharField(label=_("What happened"), required=False, widget=_text(5))
    files = MultipleFileField(label=_("Evidence (optional)"), required=False)
    status = forms.ChoiceField(label=_("Status of the action"), required=False)

    def __init__(self, *args, action: Action, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Leave as it is (%(status)s)") % {
            "status": action.get_status_display()})] + Action.Status.choices
        self.fields["files"].help_text = _("Up to 10 files of %(size)s each: %(types)s.") % {
            "size": filesizeformat(max_bytes()), "types": allowed_names()}


# --- "You said, we did" ------------------------------------------------------------------------
class FindingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, finding: ActionFinding) -> str:
        return f"{finding.description} ({finding.action.title})"


class PostForm(ScopeMixin, forms.Form):
    you_said = forms.CharField(label=_("You said"), required=False, widget=_text(3), max_length=600,
                               help_text=_("What staff told us, in words. Figures come only from a finding, below."))
    we_did = forms.CharField(label=_("We did"), required=False, widget=_text(5), max_length=1200)
    action = forms.ModelChoiceField(label=_("The action it reports on (optional)"), required=False,
                                    queryset=Action.objects.none(), empty_label=_("None"))
    finding = FindingChoiceField(label=_("The finding (optional)"), required=False,
                                 queryset=ActionFinding.objects.none(), empty_label=_("None"))
    quote_figure = forms.BooleanField(
        label=_("Quote the finding's released figure"), required=False,
        help_text=_("Only a released figure that is not hidden to protect anonymity can be quoted."),
    )

    def __init__(self, *args, schools, organisation: bool, actions, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_scope(schools=schools, organisation=organisation, label=_("Who is it for?"))
        self.order_fields(["school", "you_said", "we_did", "action", "finding", "quote_figure"])
        self.fields["action"].queryset = actions
        self.fields["finding"].queryset = findings

    def finding_reference(self):
        finding = self.cleaned_data.get("finding")
        if finding is None:
            return None
        return FindingReference(release_id=finding.release_id, cell_key=finding.cell_key,
                                description=finding.description)


# --- Workload impact assessments ---------------------------------------------------------------
class AssessmentForm(ScopeMixin, forms.Form):
    title = forms.CharField(label=_("Policy or procedure"), max_length=200, required=False)
    description = forms.CharField(label=_("What changes"), required=False, widget=_text(3))
    affects = forms.CharField(label=_("Who it affects"), required=False, widget=_text(2))
    mitigations = forms.CharField(label=_("Mitigations"), required=False, widget=_text(3),
                                  help_text=_("What will make the change lighter: time given back, tasks stopped."))
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=WorkloadAssessment.Decision.choices,
                                 initial=WorkloadAssessment.Decision.PENDING)
    decision_date = forms.DateField(label=_("Decision date"), required=False, widget=DATE)

    def __init__(self, *args, schools, organisation: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_scope(schools=schools, organisation=organisation, label=_("Where does it apply?"))
        for category in StaffMember.JobCategory:
            self.fields[f"minutes_{category.value}"] = forms.IntegerField(
                label=_("%(category)s: minutes a week") % {"category": category.label}, required=False,
                widget=MINUTES, help_text=_("Positive for time added, negative for time saved; empty if not affected."),
            )
        self.order_fields(["school", "title", "description", "affects",
                           *[f"minutes_{c.value}" for c in StaffMember.JobCategory],
                           "mitigations", "decision", "decision_date"])

    def minute_fields(self):
        return [self[f"minutes_{category.value}"] for category in StaffMember.JobCategory]

    def minutes(self) -> dict[str, int | None]:
        return {c.value: self.cleaned_data.get(f"minutes_{c.value}") for c in StaffMember.JobCategory}
