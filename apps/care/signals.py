"""Signals the care app sends for higher layers to act on.

`treatment_invitation_requested(sender=Treatment, treatment=...)`: a client
who already has an account was enrolled again; email them an invitation to
accept the new treatment (the notifications app connects the receiver; it
runs in the enrolment's transaction and queues the email after commit).
"""

from django.dispatch import Signal

treatment_invitation_requested = Signal()
