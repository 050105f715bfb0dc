import datetime

from django import forms
from django.utils import timezone
from django.utils.dateformat import format as date_format
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
        help_text=_("Treatment runs for 11 weeks from this date."),
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


class SessionNoteForm(forms.Form):
    appointment = forms.ModelChoiceField(
        label=_("Session"),
        queryset=None,
        required=False,
        empty_label=_("Not about a particular session"),
    )
    text = forms.CharField(
        label=_("Note"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Private to staff. The client never sees session notes."),
        error_messages={"required": _("Write the note")},
    )

    def __init__(self, *args, treatment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment"].queryset = treatment.appointments.exclude(
            status__in=["cancelled_by_client", "cancelled_by_service"]
        ).order_by("starts_at")
        self.fields["appointment"].label_from_instance = lambda a: (
            _("Session %(n)s, %(date)s")
            % {"n": a.number, "date": date_format(timezone.localtime(a.starts_at), "j F Y")}
        )


class TaskDoneForm(forms.Form):
    note = forms.CharField(
        label=_("Anything to tell your practitioner? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _session_choices(total: int):
    return [(n, _("Session %(n)s") % {"n": n}) for n in range(1, total + 1)]


class AppointmentForm(forms.Form):
    """Date and time in the service's time zone (the PWP's working time)."""

    number = forms.TypedChoiceField(label=_("Session"), coerce=int)
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the date of the session"),
            "invalid": _("Enter a real date, for example 27 3 2026"),
        },
    )
    time = forms.TimeField(
        label=_("Time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Enter the time of the session"),
            "invalid": _("Enter a time, for example 14:30"),
        },
    )
    location = forms.CharField(
        label=_("Where"),
        max_length=200,
        required=False,
        help_text=_("For example, Riverside Clinic, room 2. Or 'Video call'."),
    )

    def __init__(self, *args, total: int = 6, with_number: bool = True, tz=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz
        if with_number:
            self.fields["number"].choices = _session_choices(total + 2)
        else:
            del self.fields["number"]

    def starts_at(self) -> datetime.datetime:
        return datetime.datetime.combine(
            self.cleaned_data["date"], self.cleaned_data["time"]
        ).replace(tzinfo=self.tz)


class AttendanceForm(forms.Form):
    status = forms.ChoiceField(
        label=_("What happened?"),
        widget=forms.RadioSelect,
        choices=[
            ("attended", _("Attended")),
            ("did_not_attend", _("Did not attend")),
            ("cancelled_by_client", _("Cancelled by client")),
            ("cancelled_by_service", _("Cancelled by service")),
        ],
        error_messages={"required": _("Choose what happened at the session")},
    )


class CancelForm(forms.Form):
    by = forms.ChoiceField(
        label=_("Who cancelled?"),
        widget=forms.RadioSelect,
        choices=[("client", _("The client")), ("service", _("The service"))],
        error_messages={"required": _("Choose who cancelled the session")},
    )


class StaffInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("We send the invitation here. It has a link to set a password."),
        error_messages={"required": _("Enter their email address")},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        error_messages={"required": _("Enter their first name")},
    )
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a role")},
    )

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class StaffRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles in this service"),
        widget=forms.CheckboxSelectMultiple,
        choices=StaffRole.choices,
        required=False,
    )


class PractitionerProfileForm(forms.Form):
    role_title = forms.CharField(
        label=_("Your role (optional)"),
        required=False,
        max_length=100,
        help_text=_("For example, Psychological Wellbeing Practitioner."),
    )
    about = forms.CharField(
        label=_("A few lines about you (optional)"),
        required=False,
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("In your own words. Your clients see this on their home page."),
    )
