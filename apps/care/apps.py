from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "apps.care"
    verbose_name = _("Care")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        from apps.care.models import (
            Appointment,
            BespokeTask,
            Consent,
            Service,
            SessionNote,
            StaffMembership,
            Treatment,
            TreatmentTransition,
        )
        from apps.core.audit import (
            register_changes,
            register_identifiable,
            register_treatment_clients,
        )

        register_changes(Service, exclude_fields=["next_participant_number"])
        register_changes(Treatment, clinical_text=["welcome_message"])
        register_changes(StaffMembership)
        # A session's place may be the client's home address: masked like clinical text.
        register_changes(Appointment, clinical_text=["location"])
        register_changes(BespokeTask, clinical_text=["title", "instructions", "client_note"])
        register_changes(SessionNote, clinical_text=["text"])
        register_changes(Consent)
        register_changes(TreatmentTransition, clinical_text=["reason"])

        # Reads: any of these rows loaded during a request is audited.
        register_identifiable(
            Treatment, treatment=lambda o: o.pk, client=lambda o: o.__dict__.get("client_id")
        )
        for model in (Appointment, BespokeTask, SessionNote, TreatmentTransition):
            register_identifiable(model, treatment=lambda o: o.__dict__.get("treatment_id"))
        register_identifiable(Consent, client=lambda o: o.__dict__.get("client_id"))
        register_treatment_clients(
            lambda ids: dict(Treatment.objects.filter(pk__in=ids).values_list("pk", "client_id"))
        )

        from apps.accounts.signals import invitation_accepted
        from apps.care.receivers import start_invited_treatments

        invitation_accepted.connect(start_invited_treatments, dispatch_uid="care.start_invited")
