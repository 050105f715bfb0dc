"""Workspace URLs keep the paths they had under care, core and safety."""

from django.urls import path

from apps.workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("admin-home/", views.admin_home, name="admin_home"),
    path("care/caseload/", views.caseload, name="caseload"),
    path("care/diary/", views.diary, name="diary"),
    path("care/handover/", views.handover_list, name="handover_list"),
    path("care/handover/<int:pwp_id>/", views.handover, name="handover"),
    path("care/service/", views.service_overview, name="service_overview"),
    path(
        "care/clients/<int:treatment_id>/warnings/seen/",
        views.warnings_seen,
        name="warnings_seen",
    ),
    path("care/settings/", views.service_settings_index, name="service_settings_index"),
    path("care/settings/<int:service_id>/", views.service_settings, name="service_settings"),
    path("care/clients/<int:treatment_id>/", views.client_detail, name="client_detail"),
    path("care/clients/<int:treatment_id>/review/", views.review, name="review"),
    path("care/clients/<int:treatment_id>/review/print/", views.review_print, name="review_print"),
    path(
        "care/clients/<int:treatment_id>/entries/<int:entry_id>/feedback/",
        views.entry_feedback,
        name="entry_feedback",
    ),
    path("care/clients/<int:treatment_id>/notes/", views.note_add, name="note_add"),
    path("care/clients/<int:treatment_id>/plan/", views.plan, name="plan"),
    path("care/clients/<int:treatment_id>/plan/welcome/", views.welcome_set, name="welcome_set"),
    path(
        "care/clients/<int:treatment_id>/plan/modules/", views.module_action, name="module_action"
    ),
    path("care/clients/<int:treatment_id>/tasks/", views.task_add, name="task_add"),
    path(
        "care/clients/<int:treatment_id>/tasks/<int:task_id>/remove/",
        views.task_withdraw,
        name="task_withdraw",
    ),
    path(
        "care/clients/<int:treatment_id>/sessions/record/",
        views.session_record,
        name="session_record",
    ),
    path("care/clients/<int:treatment_id>/goals/new/", views.goal_new, name="goal_new"),
    path("care/clients/<int:treatment_id>/goals/<int:goal_id>/", views.goal, name="goal"),
    path("care/clients/<int:treatment_id>/lifecycle/", views.lifecycle, name="lifecycle"),
    path(
        "care/clients/<int:treatment_id>/consent/withdraw/",
        views.consent_withdrawal,
        name="consent_withdrawal",
    ),
    path("care/clients/<int:treatment_id>/consent/", views.consent_set, name="consent_set"),
    path("safety/alerts/<int:alert_id>/", views.alert_detail, name="alert_detail"),
]
