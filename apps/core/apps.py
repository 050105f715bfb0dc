import structlog
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        from django.contrib.auth.signals import user_logged_in

        from apps.core.sessions import session_start

        def on_login(sender, request, user, **kwargs):
            if request is not None and hasattr(request, "session"):
                session_start(request)

        user_logged_in.connect(on_login, dispatch_uid="core.session_start", weak=False)

        from auditlog.models import LogEntry
        from django.db.models.signals import pre_save

        # why: models can be imported only once the app registry is ready.
        from apps.core import audit
        from apps.core.models import AccessEvent

        pre_save.connect(audit.logentry_pre_save, sender=LogEntry, dispatch_uid="audit-mask-repr")
        audit.seal_model(LogEntry)
        audit.seal_model(AccessEvent, on_save=False)

        # Structured logging: events carry ids and names, never clinical text.
        structlog.configure(
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.filter_by_level,
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.stdlib.add_logger_name,
                structlog.stdlib.add_log_level,
                structlog.processors.StackInfoRenderer(),
                structlog.processors.format_exc_info,
                structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
            ],
            logger_factory=structlog.stdlib.LoggerFactory(),
            cache_logger_on_first_use=True,
        )
