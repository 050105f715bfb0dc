"""Signals care sends so that higher apps can act on care events.

care sits under notifications and the domains on the ladder
(docs/architecture.md), so it never imports them: an app above connects a
receiver in its ``AppConfig.ready()``. Each signal is sent inside the
service's transaction and receivers are synchronous, so what they write
commits (or rolls back) with the change itself.
"""

import django.dispatch

# A session was booked (one at a time or "plan all"). kwargs: ``appointment``.
# notifications queues its 24-hour reminder.
appointment_booked = django.dispatch.Signal()

# A session moved to a new time or place. kwargs: ``appointment``.
# notifications drops the old reminder and queues one for the new time.
appointment_rescheduled = django.dispatch.Signal()

# A session is no longer booked: cancelled, attended or missed.
# kwargs: ``appointment``. notifications drops its pending reminder.
appointment_closed = django.dispatch.Signal()

# A client who already has an account was enrolled again. kwargs: ``treatment``.
# notifications emails them an invitation to accept the new treatment.
treatment_invitation_requested = django.dispatch.Signal()

# A treatment ended (completed, withdrawn or dropped out; status already set) by a
# closing step of apps.care.lifecycle (discharge, dropout, trial withdrawal).
# kwargs: ``treatment``, ``actor``. questionnaires cancels what must not go on.
treatment_ended = django.dispatch.Signal()

# A treatment changed status or practitioner through apps.care.lifecycle.
# kwargs: ``treatment``, ``transition`` (a TreatmentTransition), ``actor``.
# questionnaires cancels open administrations and re-plans (follow-ups continue
# after a discharge or dropout; nothing continues after a trial withdrawal);
# notifications tells the client and the practitioners.
treatment_status_changed = django.dispatch.Signal()
