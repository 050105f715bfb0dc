"""Pages are never stored by the browser or a proxy.

Almost every page holds someone's health information. Without this, on a
shared computer the Back button after signing out, or the browser's cache,
could show the last person's pages. Responses that set their own
Cache-Control (static files through WhiteNoise, which answers before this
runs; the web app manifest) keep it.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
