"""Role checks for views: `role_required(*roles)` and `has_role`."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from apps.accounts.models import User


def has_role(user: User, *roles: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    held = set(user.roles)
    return bool(held.intersection(roles))


def role_required(*roles: str):
    """View decorator: signed in and holding one of `roles`, else 403.

    Anonymous users are sent to sign in.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            # why: auth.views loads forms and models; importing it when the view runs
            # keeps this module importable while apps load.
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
