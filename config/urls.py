from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.api_router import router

urlpatterns = [
    path("", include("apps.core.urls")),
    # Staff pages that gather several domains; their paths keep the /care/ and /safety/ prefix.
    path("", include("apps.workspace.urls")),
    path("account/", include("apps.accounts.urls")),
    path("care/", include("apps.care.urls")),
    path("programme/", include("apps.programme.urls")),
    path("me/", include("apps.tracking.urls")),
    path("questionnaires/", include("apps.questionnaires.urls")),
    path("", include("apps.safety.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("messages/", include("apps.messaging.urls")),
    path("trials/", include("apps.trials.urls")),
    path("privacy/", include("apps.privacy.urls")),
    path("api/v1/", include((router.urls, "api"))),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/v1/docs/",
        # The split view serves Swagger UI's start-up code as a file (script-src
        # 'self'); its template still has one inline <style>, allowed here only.
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]

handler500 = "apps.core.error_pages.server_error"
handler404 = "apps.core.views.page_not_found"
