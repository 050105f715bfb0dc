from django.db.models import Count, Q, QuerySet

from apps.care.models import Service, TreatmentStatus


def recruitment_by_service() -> QuerySet[Service]:
    """Counts of treatments per service and status. Pseudonymised: no people."""
    counts = {
        status.value: Count("treatments", filter=Q(treatments__status=status.value))
        for status in TreatmentStatus
    }
    return Service.objects.annotate(total=Count("treatments"), **counts).order_by("name")
