from django.urls import path

from apps.privacy import views

app_name = "privacy"

urlpatterns = [
    path("requests/", views.requests, name="requests"),
    path("clients/<int:client_id>/", views.client, name="client"),
    path("clients/<int:client_id>/copy/", views.access_request_new, name="copy_request"),
    path("clients/<int:client_id>/erasure/", views.erasure_new, name="erasure_new"),
    path("copies/<uuid:request_id>/", views.access_request_download, name="copy_download"),
    path("copies/<uuid:request_id>/release/", views.access_request_decide, name="copy_release"),
    path("erasure/<int:erasure_id>/", views.erasure, name="erasure"),
    path("your-data/", views.my_data, name="my_data"),
]
