from django.urls import path

from apps.care import staff_views, views

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
    # Service leads manage their staff.
    path("staff/", staff_views.staff_services, name="staff_services"),
    path("staff/<int:service_id>/", staff_views.staff_list, name="staff_list"),
    path("staff/<int:service_id>/invite/", staff_views.staff_invite, name="staff_invite"),
    path(
        "staff/<int:service_id>/people/<int:user_id>/",
        staff_views.staff_member,
        name="staff_member",
    ),
    # The client's own pages.
    path("sessions/", views.my_sessions, name="my_sessions"),
    path("sessions/<int:appointment_id>/calendar.ics", views.session_ics, name="session_ics"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("profile/", views.profile, name="profile"),
    path("tasks/<int:task_id>/done/", views.task_done, name="task_done"),
]
