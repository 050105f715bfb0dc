from django.urls import path

from apps.safety import views

app_name = "safety"

urlpatterns = [
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert_detail"),
]
