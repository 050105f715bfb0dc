from django.http import HttpRequest

from apps.workspace.navigation import nav_items_for


def navigation(request: HttpRequest) -> dict:
    """The top navigation for the signed-in person's roles."""
    user = getattr(request, "user", None)
    return {"nav_items": nav_items_for(user, request.path) if user is not None else []}
