"""Workspace orchestration that spans domains (the top of the ladder).

`consent_withdrawal_record`: a client's withdrawal of consent, as recorded by
their PWP or a supervisor, and everything it sets in motion:

- "stop treatment": the treatment is recorded as a dropout (sessions,
  reminders and open questionnaires cancelled; follow-ups continue unless
  follow-up consent is also withdrawn);
- "stop follow-up contact": follow-up questionnaires leave the plan at once;
- "withdraw data from research": the treatment is recorded as a trial
  withdrawal (nothing continues) and the participant leaves every export and
  the research API from then on.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.care.consent import (
    WITHDRAW_RESEARCH,
    WITHDRAW_TREATMENT,
    consent_withdraw,
)
from apps.care.lifecycle import treatment_transition
from apps.care.models import TransitionKind, Treatment, TreatmentStatus
from apps.questionnaires.services import treatment_administrations_sync

WITHDRAWAL_CHOICES = (
    (WITHDRAW_TREATMENT, _("Stop treatment")),
    ("stop_follow_up", _("Stop follow-up contact")),
    (WITHDRAW_RESEARCH, _("Withdraw their data from research")),
)


@transaction.atomic
def consent_withdrawal_record(
    *, actor: User, treatment: Treatment, withdrawal: str, reason: str = ""
) -> None:
    consent_withdraw(actor=actor, client=treatment.client, withdrawal=withdrawal)
    reason = reason.strip() or _("The client withdrew consent.")
    if withdrawal == WITHDRAW_TREATMENT and treatment.is_open:
        treatment_transition(
            actor=actor, treatment=treatment, kind=TransitionKind.DROPOUT, reason=reason
        )
    elif withdrawal == WITHDRAW_RESEARCH and treatment.status != TreatmentStatus.WITHDRAWN:
        treatment_transition(
            actor=actor, treatment=treatment, kind=TransitionKind.TRIAL_WITHDRAWAL, reason=reason
        )
    treatment.refresh_from_db()
    treatment_administrations_sync(treatment=treatment)
