from django.urls import path

from apps.core import views

app_name = "core"

urlpatterns = [
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("session/extend/", views.session_extend, name="session_extend"),
    path("healthz/", views.healthz, name="healthz"),
    path("components/", views.components_demo, name="components"),
]
