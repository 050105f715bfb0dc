"""Who may read research data: trial managers and admins, nobody else.

Research data is pseudonymised (participant IDs only) and covers every
service, so there is no per-service rule: a trial manager sees the whole
trial, a client, PWP or supervisor sees none of it. Every view and API
endpoint of this app goes through these helpers.
"""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.care.models import ConsentKind, Treatment, clients_without_consent
from apps.trials.models import ExportJob


def is_researcher(user) -> bool:
    """Signed in, active, and a trial manager or an admin."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_trial_manager or user.is_superuser)
    )


def research_treatments(user: User) -> QuerySet[Treatment]:
    """Every treatment for a researcher, except participants who withdrew their data
    from research; none for anyone else."""
    if not is_researcher(user):
        return Treatment.objects.none()
    return Treatment.objects.exclude(
        client_id__in=clients_without_consent(ConsentKind.RESEARCH_DATA)
    )


def export_jobs_visible_to(user: User) -> QuerySet[ExportJob]:
    """An admin sees every export job; a trial manager their own; others none."""
    if not is_researcher(user):
        return ExportJob.objects.none()
    if user.is_superuser:
        return ExportJob.objects.all()
    return ExportJob.objects.filter(requested_by=user)


def export_job_get_for_user(*, user: User, job_id) -> ExportJob:
    """The export job if `user` may see it, else 404 (a guessed ID reveals nothing)."""
    try:
        return export_jobs_visible_to(user).get(pk=job_id)
    except (ExportJob.DoesNotExist, ValidationError, ValueError, TypeError):
        # ValidationError: the ID is not a UUID.
        raise Http404("No such export.") from None
