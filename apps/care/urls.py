from django.urls import path

from apps.care import views

app_name = "care"

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("service/", views.service_overview, name="service_overview"),
    path("enrol/", views.enrol, name="enrol"),
    path("clients/<int:treatment_id>/", views.client_detail, name="client_detail"),
]
