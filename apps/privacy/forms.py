from django import forms
from django.utils.translation import gettext_lazy as _

from apps.privacy.models import ErasureKind


class ReleaseForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Release this copy to the client?"),
        choices=(
            ("release", _("Yes, release it: the client can download it and is emailed")),
            ("decline", _("No, do not release it")),
        ),
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("If not, why (the client will read this)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ErasureRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What should happen?"), choices=ErasureKind.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_(
            "For example the client's request and its date. Do not write the client's name "
            "or contact details: this record stays after their data is removed."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ErasureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=(
            ("approve", _("Approve and carry it out now")),
            ("reject", _("Reject")),
        ),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (required to reject)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
