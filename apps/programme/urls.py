from django.urls import path

from apps.programme import views

app_name = "programme"

urlpatterns = [
    path("", views.home, name="home"),
    path("modules/", views.modules, name="modules"),
    path("modules/<slug:module_slug>/", views.module_detail, name="module"),
    path("modules/<slug:module_slug>/<slug:step_slug>/", views.step_detail, name="step"),
    path(
        "modules/<slug:module_slug>/<slug:step_slug>/part/<int:part>/",
        views.step_part,
        name="step_part",
    ),
    path(
        "modules/<slug:module_slug>/<slug:step_slug>/check/",
        views.step_check,
        name="step_check",
    ),
    path("steps/<int:step_id>/autosave/", views.autosave, name="autosave"),
    path("steps/<int:step_id>/ping/", views.step_ping, name="step_ping"),
    path("preview/", views.preview_index, name="preview_index"),
    path(
        "preview/<slug:module_slug>/<slug:step_slug>/",
        views.preview_step,
        name="preview_step",
    ),
    path("entries/<int:entry_id>/", views.entry_detail, name="entry"),
    path(
        "entries/<int:entry_id>/feedback/<int:feedback_id>/reply/",
        views.feedback_reply,
        name="feedback_reply",
    ),
    path("entries/<int:entry_id>/sent/", views.entry_confirm, name="entry_confirm"),
    path("translations/", views.translation_status, name="translation_status"),
]
