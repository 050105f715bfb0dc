import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.care.models import Service, StaffMembership, StaffRole


class EnrolForm(forms.Form):
    email = forms.EmailField(
        label=_("Client's email address"),
        help_text=_("We send the invitation here. It has a link to set a password."),
        error_messages={"required": _("Enter the client's email address")},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        error_messages={"required": _("Enter the client's first name")},
    )
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        error_messages={"required": _("Choose the service")},
    )
    pwp = forms.ModelChoiceField(
        label=_("Practitioner"),
        queryset=User.objects.none(),
        error_messages={"required": _("Choose the practitioner")},
    )
    start_date = forms.DateField(
        label=_("Start date"),
        help_text=_("For example, 27 3 2026. Treatment runs for 11 weeks from this date."),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a real date, for example 27 3 2026")},
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        if actor.is_superuser:
            services = Service.objects.filter(is_active=True)
        else:
            services = Service.objects.filter(is_active=True, memberships__user=actor).distinct()
        self.fields["service"].queryset = services
        self.fields["pwp"].queryset = User.objects.filter(
            is_pwp=True,
            is_active=True,
            memberships__role=StaffRole.PWP,
            memberships__service__in=services,
        ).distinct()
        self.fields["pwp"].label_from_instance = lambda u: u.get_full_name()
        if len(services) == 1:
            self.fields["service"].initial = services[0]
        if actor.is_pwp:
            self.fields["pwp"].initial = actor
        self.fields["start_date"].initial = timezone.localdate()

    def clean_start_date(self) -> datetime.date:
        start = self.cleaned_data["start_date"]
        if start < timezone.localdate() - datetime.timedelta(days=28):
            raise forms.ValidationError(_("The start date must be within the last 4 weeks"))
        return start

    def clean(self):
        cleaned = super().clean()
        service, pwp = cleaned.get("service"), cleaned.get("pwp")
        if (
            service
            and pwp
            and not StaffMembership.objects.filter(
                user=pwp, service=service, role=StaffRole.PWP
            ).exists()
        ):
            self.add_error("pwp", _("Choose a practitioner who works in this service"))
        return cleaned
