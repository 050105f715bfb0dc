class DomainError(Exception):
    """An expected failure a user can act on.

    `field` names the form or serializer field the message belongs to, or None
    for a general error. Views turn it into a form error and the API into a 400,
    each in one place (`apps.core.forms.apply_domain_error`, the API exception
    handler).
    """

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
