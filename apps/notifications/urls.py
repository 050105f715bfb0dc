from django.urls import path

from apps.notifications import views

app_name = "notifications"

urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("staff-preferences/", views.staff_preferences, name="staff_preferences"),
]
