from django.urls import path

from apps.questionnaires import views

app_name = "questionnaires"

urlpatterns = [
    path("", views.questionnaire_list, name="list"),
    path("<int:administration_id>/", views.start, name="start"),
    path("<int:administration_id>/q/<int:n>/", views.item, name="item"),
    path("<int:administration_id>/all/", views.all_items, name="all"),
    path("<int:administration_id>/check/", views.check, name="check"),
    path("<int:administration_id>/result/", views.result, name="result"),
    path("link/<str:token>/", views.link, name="link"),
    # The practitioner's questionnaires (WAI-SF-T): answered by the client's own PWP.
    path(
        "practitioner/<int:practitioner_administration_id>/",
        views.practitioner_start,
        name="practitioner_start",
    ),
    path(
        "practitioner/<int:practitioner_administration_id>/q/<int:n>/",
        views.practitioner_item,
        name="practitioner_item",
    ),
    path(
        "practitioner/<int:practitioner_administration_id>/all/",
        views.practitioner_all,
        name="practitioner_all",
    ),
    path(
        "practitioner/<int:practitioner_administration_id>/check/",
        views.practitioner_check,
        name="practitioner_check",
    ),
    path(
        "practitioner/<int:practitioner_administration_id>/result/",
        views.practitioner_result,
        name="practitioner_result",
    ),
    path("clients/<int:treatment_id>/", views.treatment_scores, name="treatment_scores"),
    path("clients/<int:treatment_id>/ask/", views.treatment_ask, name="treatment_ask"),
    path("clients/<int:treatment_id>/alliance/", views.alliance, name="alliance"),
]
