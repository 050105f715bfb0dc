from django import forms
from django.utils.translation import gettext_lazy as _

from apps.care.models import Service
from apps.trials.models import Dataset, FileFormat
from apps.trials.services import PURPOSE_MIN_LENGTH


class ExportForm(forms.Form):
    """What to export. Free text (and its purpose) only appears for admins."""

    dataset = forms.ChoiceField(
        label=_("What do you want to export?"), choices=Dataset.choices, widget=forms.RadioSelect
    )
    file_format = forms.ChoiceField(
        label=_("File format"),
        choices=FileFormat.choices,
        initial=FileFormat.CSV,
        widget=forms.RadioSelect,
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services"),
        queryset=Service.objects.order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to export every service."),
    )
    date_from = forms.DateField(
        label=_("Enrolled from"),
        required=False,
        help_text=_("Treatment start date, for example 2025-03-01. Leave empty for no limit."),
    )
    date_to = forms.DateField(label=_("Enrolled to"), required=False)
    include_free_text = forms.BooleanField(
        label=_("Include free text (mood notes, messages, exercise entries)"),
        required=False,
        help_text=_("Administrators only, for an approved purpose. Free text may identify people."),
    )
    purpose = forms.CharField(
        label=_("Approved purpose"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the ethics approval reference and what the text is for."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not user.is_superuser:
            del self.fields["include_free_text"]
            del self.fields["purpose"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to", _("The end date must be the same as or after the start date.")
            )
        if cleaned.get("include_free_text"):
            if len((cleaned.get("purpose") or "").strip()) < PURPOSE_MIN_LENGTH:
                self.add_error(
                    "purpose", _("Describe the approved purpose for including free text.")
                )
        else:
            cleaned["purpose"] = ""
        return cleaned
