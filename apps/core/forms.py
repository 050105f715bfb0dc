from django import forms

from apps.core.errors import DomainError


def apply_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's DomainError on the form, on its field when it has one."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
