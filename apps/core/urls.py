from django.urls import path

from apps.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("session/extend/", views.session_extend, name="session_extend"),
    path("healthz/", views.healthz, name="healthz"),
    path("admin-home/", views.admin_home, name="admin_home"),
    path("components/", views.components_demo, name="components"),
]
