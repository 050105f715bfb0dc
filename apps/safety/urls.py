from django.urls import path

from apps.safety import views

app_name = "safety"

# Included at the site root: the help page is /help/, the alerts live under /safety/.
# An alert's detail page is workspace:alert_detail (it shows questionnaire answers).
urlpatterns = [
    path("help/", views.help_page, name="help"),
    path("safety/alerts/", views.alerts, name="alerts"),
]
