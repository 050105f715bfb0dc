"""The 500 page: rendered without the request's context processors (they may be what failed),
but with the site name, so it keeps the header, "Get help now" and the footer."""

from django.conf import settings
from django.http import HttpRequest, HttpResponseServerError
from django.template import loader


def server_error(request: HttpRequest) -> HttpResponseServerError:
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"SITE_NAME": settings.SITE_NAME}))
