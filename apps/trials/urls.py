from django.urls import path

from apps.trials import views

app_name = "trials"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("early-warning/", views.warning_report, name="warning_report"),
    path("exports/", views.exports, name="exports"),
    path("exports/check/", views.export_check, name="export_check"),
    path("exports/confirm/", views.export_confirm, name="export_confirm"),
    path("exports/<uuid:job_id>/", views.export_job, name="export_job"),
    path("exports/<uuid:job_id>/approve/", views.export_approve, name="export_approve"),
    path("exports/<uuid:job_id>/download/", views.export_download, name="export_download"),
]
