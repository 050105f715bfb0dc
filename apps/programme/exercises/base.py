"""What every exercise type provides.

An exercise is a Django form for its single fields, an optional row form for
exercises that grow one row at a time (diary entries, list items, schedule
items, exercise log), a `summary(data)` for staff, and `feedback(data,
history)` for the client's automatic feedback. The data stored in
`ExerciseEntry.data` is the form's cleaned data in JSON form, with rows under
"rows".

Feedback never judges clinically: it checks entries are complete and well
formed, reflects numbers back and praises effort (content outline §0). The
practitioner writes the personal feedback.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext_lazy as _

ROWS = "rows"
NEW_ROW = "_new_row"  # unsent text typed into the "add an entry" fields
# The part of a multi-part exercise the client was on (1..n; n + 1 is "check
# your answers"). Unsent work in progress: dropped when the entry is sent.
PART = "_part"


@dataclass(frozen=True)
class HistoryItem:
    """One earlier sent entry of the same treatment, newest first in `history`."""

    exercise_type: str
    data: dict
    submitted_at: datetime.datetime | None = None


@dataclass(frozen=True)
class Part:
    """One page of a multi-part exercise: its number (from 1), title and fields."""

    number: int
    title: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class FeedbackItem:
    """One line of automatic feedback. `kind`: praise, info, prompt or safety."""

    text: str
    kind: str = "info"


# --- Field helpers --------------------------------------------------------------


def text(label, *, required=True, help_text="", error="", max_length=2000, rows=None):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    field = forms.CharField(
        label=label, required=required, help_text=help_text, max_length=max_length, widget=widget
    )
    if error:
        field.error_messages["required"] = error
    field.error_messages["max_length"] = _("Shorten this to %(limit_value)d characters or fewer.")
    return field


def rating(label, *, low, high, maximum=10, required=True, error="", help_text=""):
    """A 0–maximum rating as a select with words at both ends."""
    choices = [("", _("Choose a number"))]
    for n in range(maximum + 1):
        if n == 0:
            choices.append((n, f"0 ({low})"))
        elif n == maximum:
            choices.append((n, f"{maximum} ({high})"))
        else:
            choices.append((n, str(n)))
    field = forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=int,
        required=required,
        help_text=help_text,
        empty_value=None,
    )
    field.error_messages["required"] = error or _("Choose a number from 0 to %(max)d.") % {
        "max": maximum
    }
    field.error_messages["invalid_choice"] = field.error_messages["required"]
    return field


def number(label, *, minimum, maximum, error, width=3, required=True, help_text=""):
    """A whole number typed in (numeric keyboard on phones); one message for every mistake."""
    field = forms.IntegerField(
        label=label,
        required=required,
        min_value=minimum,
        max_value=maximum,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "class": f"govuk-input--width-{width}"}
        ),
    )
    for code in ("required", "invalid", "min_value", "max_value"):
        field.error_messages[code] = error
    return field


def percent(label, *, required=True, error="", help_text=""):
    """A 0–100 number typed in (numeric keyboard on phones)."""
    return number(
        label,
        minimum=0,
        maximum=100,
        error=error or _("Enter a number from 0 to 100."),
        required=required,
        help_text=help_text,
    )


class NativeDateInput(forms.DateInput):
    """The phone's own date picker (values are YYYY-MM-DD)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date(label, *, required=True, error="", help_text=""):
    field = forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=NativeDateInput(attrs={"class": "govuk-input--width-10"}),
    )
    field.error_messages["required"] = error or _("Enter a date.")
    field.error_messages["invalid"] = _("Enter a real date, for example 14 3 2026.")
    return field


def _hour_label(hour: int) -> str:
    if hour == 0:
        return str(_("midnight"))
    if hour == 12:
        return str(_("12 noon"))
    return f"{hour % 12 or 12}{'am' if hour < 12 else 'pm'}"


TIME_CHOICES = (
    [("", _("Choose a time"))]
    + [(f"{h:02d}:00", _hour_label(h)) for h in range(5, 24)]
    + [("00:00", _("Night (midnight to 5am)"))]
)


def time_select(label, *, required=True, error=""):
    field = forms.ChoiceField(label=label, choices=TIME_CHOICES, required=required)
    field.error_messages["required"] = error or _("Choose a time.")
    field.error_messages["invalid_choice"] = field.error_messages["required"]
    return field


def choice(label, choices, *, required=True, error="", radios=True, help_text=""):
    widget = forms.RadioSelect if radios else forms.Select
    field = forms.ChoiceField(
        label=label, choices=choices, required=required, widget=widget, help_text=help_text
    )
    field.error_messages["required"] = error or _("Choose one option.")
    field.error_messages["invalid_choice"] = field.error_messages["required"]
    return field


def to_json(value):
    """Form cleaned values to JSON-safe values."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def words(value) -> int:
    return len(str(value or "").split())


# --- Base class -------------------------------------------------------------------


class Exercise:
    key: str = ""
    title = ""
    form_class: type[forms.Form] | None = None
    row_form_class: type[forms.Form] | None = None
    rows_title = _("Your entries")
    row_noun = _("entry")
    add_row_text = _("Add this entry")
    min_rows = 0
    min_rows_error = _("Add at least one entry before you send it.")
    # The client may change a sent entry (their plan is a living document).
    editable_after_submit = False
    # The goals exercise is owned by apps.tracking: no form here.
    handled_elsewhere = False
    # Several entries of this exercise are normal (thought records, diaries).
    repeatable = True
    # A long exercise shown one part per page, then "Check your answers":
    # [(title, [field names]), ...], every field of the form in one part.
    # Empty: the whole form on the step page. Rows are not supported in parts.
    parts: list[tuple] = []
    # Hint text for single choices of a checkbox or radio field, by field name
    # and value (shown on the part pages).
    choice_hints: dict[str, dict[str, str]] = {}

    # Forms ------------------------------------------------------------------------

    def get_form(self, *, step=None, data=None, initial=None) -> forms.Form:
        assert self.form_class is not None
        return self.form_class(data=data, initial=initial)

    def get_row_form(self, *, data=None, initial=None) -> forms.Form | None:
        if self.row_form_class is None:
            return None
        return self.row_form_class(data=data, initial=initial, prefix="row")

    def field_names(self, *, step=None) -> list[str]:
        return list(self.get_form(step=step).fields)

    def row_field_names(self) -> list[str]:
        form = self.get_row_form()
        return list(form.fields) if form else []

    def initial(self, *, history: list[dict], step=None) -> dict:
        """Values to pre-fill a new entry with (e.g. from earlier entries)."""
        return {}

    def validate(self, data: dict, *, step=None) -> tuple[dict | None, forms.Form]:
        """Validate a whole entry for sending.

        Returns (clean data, form). Clean data is None when the form has
        errors; an error about rows is added to the form as a non-field error.
        """
        form = self.get_form(step=step, data=data)
        rows = list(data.get(ROWS) or [])
        valid = form.is_valid()
        if self.row_form_class is not None and len(rows) < self.min_rows:
            form.add_error(None, self.min_rows_error)
            valid = False
        if not valid:
            return None, form
        clean = {name: to_json(value) for name, value in form.cleaned_data.items()}
        if self.row_form_class is not None:
            clean[ROWS] = rows
        return clean, form

    # Parts ------------------------------------------------------------------------

    def get_parts(self) -> list[Part]:
        return [
            Part(number=n, title=title, fields=tuple(names))
            for n, (title, names) in enumerate(self.parts, start=1)
        ]

    def get_part(self, number: int) -> Part | None:
        """Part `number` (from 1), or None when there is no such part."""
        parts = self.get_parts()
        return parts[number - 1] if 1 <= number <= len(parts) else None

    def get_part_form(self, part: Part, *, step=None, data=None, initial=None) -> forms.Form:
        """The exercise form with only this part's fields (same labels and messages)."""
        form = self.get_form(step=step, data=data, initial=initial)
        for name in list(form.fields):
            if name not in part.fields:
                del form.fields[name]
        return form

    def first_part_with_errors(self, form: forms.Form) -> int:
        """The first part holding an error of `form` (a whole-entry form); 1 if none does."""
        for part in self.get_parts():
            if any(name in form.errors for name in part.fields):
                return part.number
        return 1

    def resume_part(self, data: dict, *, step=None) -> int:
        """Where a saved entry picks up: the part the client was on when it was
        last saved, else the first part with a problem, else "check your
        answers" (len(parts) + 1)."""
        total = len(self.parts)
        position = data.get(PART)
        if isinstance(position, int | str) and str(position).isdigit():
            if 1 <= int(position) <= total + 1:
                return int(position)
        for part in self.get_parts():
            if not self.get_part_form(part, step=step, data=data).is_valid():
                return part.number
        return total + 1

    def answers_by_part(self, data: dict, *, step=None) -> list[dict]:
        """For "Check your answers": each part with its label/value rows."""
        form = self.get_form(step=step)
        sections = []
        for part in self.get_parts():
            rows = []
            for name in part.fields:
                field = form.fields[name]
                rows.append(
                    {
                        "name": name,
                        "label": str(field.label),
                        "value": self.display_value(field, data.get(name)),
                    }
                )
            sections.append({"part": part, "rows": rows})
        return sections

    def field_hint(self, name: str, data: dict):
        """Hint for field `name` on a part page (may use earlier answers); None: its help text."""
        return None

    def clean_row(self, form: forms.Form) -> dict:
        return {name: to_json(value) for name, value in form.cleaned_data.items()}

    # Display ------------------------------------------------------------------------

    def display_value(self, field: forms.Field, value) -> str:
        if value in (None, "", []):
            return ""
        choices = dict((str(k), str(v)) for k, v in getattr(field, "choices", []) or [])
        if isinstance(value, list):
            return ", ".join(choices.get(str(v), str(v)) for v in value)
        if choices and not isinstance(field, forms.TypedChoiceField):
            return choices.get(str(value), str(value))
        if isinstance(field, forms.DateField):
            try:
                return date_format(datetime.date.fromisoformat(str(value)), "j F Y")
            except ValueError:
                return str(value)
        return str(value)

    def summary(self, data: dict, *, step=None) -> list[dict]:
        """Label/value pairs a practitioner can read at a glance."""
        form = self.get_form(step=step)
        items = []
        for name, field in form.fields.items():
            value = self.display_value(field, data.get(name))
            items.append({"label": str(field.label), "value": value or str(_("Not filled in"))})
        rows = (data.get(ROWS) or []) if self.row_form_class is not None else []
        for index, row in enumerate(rows, start=1):
            items.append(
                {
                    "label": f"{str(self.row_noun).capitalize()} {index}",
                    "value": self.row_summary(row),
                }
            )
        return items

    def row_summary(self, row: dict) -> str:
        form = self.get_row_form()
        parts = []
        for name, field in form.fields.items():
            value = self.display_value(field, row.get(name))
            if value:
                parts.append(f"{field.label}: {value}")
        return "; ".join(parts)

    def feedback(
        self, data: dict, history: Iterable[dict] = (), *, step=None
    ) -> list[FeedbackItem]:
        """Automatic feedback on `data`.

        `history`: the treatment's earlier sent entries (HistoryItem, newest first,
        any exercise type).
        """
        return [FeedbackItem(str(_("Thank you for doing this. Every try counts.")), "praise")]


def empty_fields(form: forms.Form, data: dict) -> list[str]:
    return [
        str(f.label) for name, f in form.fields.items() if not str(data.get(name) or "").strip()
    ]


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
