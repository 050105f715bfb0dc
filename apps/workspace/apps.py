from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """Staff pages that gather several domains: caseload, review, plan, home."""

    name = "apps.workspace"
    label = "workspace"
    verbose_name = _("Staff workspace")
