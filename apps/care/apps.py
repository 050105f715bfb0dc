from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "apps.care"
    verbose_name = _("Care")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        from auditlog.registry import auditlog

        from apps.care.models import (
            Appointment,
            BespokeTask,
            Service,
            SessionNote,
            StaffMembership,
            Treatment,
        )

        auditlog.register(Service, exclude_fields=["next_participant_number"])
        auditlog.register(Treatment)
        auditlog.register(StaffMembership)
        auditlog.register(Appointment)
        auditlog.register(BespokeTask)
        auditlog.register(SessionNote)

        from apps.accounts.signals import invitation_accepted
        from apps.care.receivers import start_invited_treatments

        invitation_accepted.connect(start_invited_treatments, dispatch_uid="care.start_invited")
