"""Mounted by wellbeing/urls.py under /o/<org>/."""

from django.urls import path

from .views import objectives, plans, voice, workload

app_name = "actionplans"

urlpatterns = [
    # Plans and actions
    path("plans/", plans.plan_index, name="plans"),
    path("plans/new/", plans.plan_new, name="plan_new"),
    path("plans/<int:plan_id>/", plans.plan_detail, name="plan"),
    path("plans/<int:plan_id>/export.csv", plans.plan_export, {"file_format": "csv"}, name="plan_export_csv"),
    path("plans/<int:plan_id>/export.xlsx", plans.plan_export, {"file_format": "xlsx"}, name="plan_export_xlsx"),
    # "Create action from this": actions/new/?release=<id>&cell=<key>[&label=...][&plan=<id>|&school=<id>]
    path("actions/new/", plans.action_new, name="action_new"),
    path("actions/<int:action_id>/", plans.action_detail, name="action"),
    path("actions/<int:action_id>/edit/", plans.action_edit, name="action_edit"),
    path("actions/<int:action_id>/updates/new/", plans.update_new, name="update_new"),
    path("evidence/<int:evidence_id>/", plans.evidence_download, name="evidence"),
    # Objectives
    path("objectives/", objectives.objective_list, name="objectives"),
    path("objectives/new/", objectives.objective_new, name="objective_new"),
    path("objectives/<int:objective_id>/", objectives.objective_detail, name="objective"),
    path("objectives/<int:objective_id>/edit/", objectives.objective_edit, name="objective_edit"),
    path("objectives/<int:objective_id>/readings/new/", objectives.reading_new, name="reading_new"),
    # "You said, we did"
    path("you-said-we-did/", voice.you_said_we_did, name="you_said_we_did"),
    path("you-said-we-did/digest/", voice.digest_choice, name="digest"),
    path("you-said-we-did/new/", voice.post_new, name="post_new"),
    # Workload impact assessments
    path("workload/", workload.assessment_list, name="assessments"),
    path("workload/new/", workload.assessment_new, name="assessment_new"),
    path("workload/<int:assessment_id>/", workload.assessment_detail, name="assessment"),
    path("workload/<int:assessment_id>/edit/", workload.assessment_edit, name="assessment_edit"),
]
