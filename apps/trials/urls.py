from django.urls import path

from apps.trials import views

app_name = "trials"

urlpatterns = [
    path("", views.overview, name="overview"),
]
