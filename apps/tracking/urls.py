from django.urls import path

from apps.tracking import views

app_name = "tracking"

urlpatterns = [
    path("mood/", views.mood, name="mood"),
    path("goals/", views.goals, name="goals"),
    path("goals/new/", views.goal_create, name="goal_create"),
    path("goals/<int:goal_id>/", views.goal_detail, name="goal_detail"),
    path("goals/<int:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<int:goal_id>/rate/", views.goal_rate, name="goal_rate"),
    path("goals/<int:goal_id>/comment/", views.goal_comment, name="goal_comment"),
    path("goals/<int:goal_id>/status/", views.goal_status, name="goal_status"),
]
