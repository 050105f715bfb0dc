from django import forms
from django.utils.translation import gettext_lazy as _


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("What did you do?"),
        help_text=_(
            "For example: phoned the client, assessed risk, agreed a safety plan. "
            "Do not write the client's answers here."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={
            "required": _("Enter a note saying what you did, for example who contacted the client.")
        },
    )

    def clean_note(self) -> str:
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError(self.fields["note"].error_messages["required"])
        return note
