from django import forms
from django.utils.translation import gettext_lazy as _

from apps.questionnaires.definitions import Definition, Item


def required_message(n: int) -> str:
    """The same message on the question and in the error summary (DESIGN rule 12)."""
    return _("Select an answer to question %(n)s. This question needs an answer.") % {"n": n}


def _answer_field(item: Item, *, label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(o.value, o.label) for o in item.options],
        coerce=int,
        empty_value=None,
        required=item.required,
        widget=forms.RadioSelect,
        error_messages={
            "required": required_message(item.n),
            "invalid_choice": _("Select one of the answers shown."),
        },
    )


class ItemForm(forms.Form):
    """One question, one page (phones)."""

    def __init__(self, *args, item: Item, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"] = _answer_field(item, label=item.text)


class AllItemsForm(forms.Form):
    """Every question on one page. Field ``item_<n>`` per question."""

    def __init__(self, *args, definition: Definition, **kwargs):
        super().__init__(*args, **kwargs)
        for item in definition.items:
            self.fields[f"item_{item.n}"] = _answer_field(item, label=f"{item.n}. {item.text}")


class CompleteForm(forms.Form):
    """The check-answers page's submit button (errors come from the service)."""


class AdHocForm(forms.Form):
    """A PWP asks the client to fill in a questionnaire now."""

    def __init__(self, *args, instruments: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"] = forms.ChoiceField(
            label=_("Questionnaire"),
            choices=instruments,
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Choose a questionnaire."),
                "invalid_choice": _("Choose one of the questionnaires listed."),
            },
        )
