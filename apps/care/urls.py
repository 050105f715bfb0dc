from django.urls import path

from apps.care import views

app_name = "care"

urlpatterns = [
    path("enrol/", views.enrol, name="enrol"),
    path("invitation/", views.treatment_accept_view, name="treatment_accept"),
    path("clients/<int:treatment_id>/sessions/", views.sessions, name="sessions"),
    path(
        "clients/<int:treatment_id>/sessions/new/", views.session_schedule, name="session_schedule"
    ),
    path("clients/<int:treatment_id>/sessions/plan/", views.sessions_plan, name="sessions_plan"),
    path(
        "clients/<int:treatment_id>/sessions/<int:appointment_id>/",
        views.session_reschedule,
        name="session_reschedule",
    ),
    path(
        "clients/<int:treatment_id>/sessions/<int:appointment_id>/cancel/",
        views.session_cancel,
        name="session_cancel",
    ),
    path(
        "clients/<int:treatment_id>/sessions/<int:appointment_id>/attendance/",
        views.session_attendance,
        name="session_attendance",
    ),
    # The client's own pages.
    path("sessions/", views.my_sessions, name="my_sessions"),
    path("sessions/<int:appointment_id>/calendar.ics", views.session_ics, name="session_ics"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("profile/", views.profile, name="profile"),
    path("tasks/<int:task_id>/done/", views.task_done, name="task_done"),
]
