"""Sample context for the component demo page (templates/_components_demo.html)."""

from __future__ import annotations

from typing import Any

from apps.core.charts import build_line_chart, build_sparkline

PHQ9_BANDS = (
    {"from": 0, "to": 4, "label": "Minimal"},
    {"from": 5, "to": 9, "label": "Mild"},
    {"from": 10, "to": 14, "label": "Moderate"},
    {"from": 15, "to": 19, "label": "Moderately severe"},
    {"from": 20, "to": 27, "label": "Severe"},
)


def demo_context() -> dict[str, Any]:
    """Sample context for the component demo page (sample text, not translated)."""
    from django import forms
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message

    phq_choices = [
        ("0", "Not at all"),
        ("1", "Several days"),
        ("2", "More than half the days"),
        ("3", "Nearly every day"),
    ]

    class DemoForm(forms.Form):
        interest = forms.ChoiceField(
            label="Little interest or pleasure in doing things",
            choices=phq_choices,
            widget=forms.RadioSelect,
            help_text="Over the last 2 weeks, how often have you been bothered by this?",
            error_messages={
                "required": (
                    "Select how often you have had little interest or pleasure in doing things"
                )
            },
        )
        mood = forms.TypedChoiceField(
            label="How is your mood today?",
            choices=[(str(i), str(i)) for i in range(1, 11)],
            coerce=int,
            widget=forms.RadioSelect,
            help_text="Choose a number from 1 to 10.",
            error_messages={"required": "Select a number from 1 to 10 for your mood today"},
        )
        situation = forms.CharField(
            label="What was the situation?",
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=500,
            help_text="Where were you, and what was happening?",
        )
        email = forms.EmailField(
            label="Email address",
            widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
            error_messages={
                "invalid": ("Enter an email address in the correct format, like name@example.com")
            },
        )
        time = forms.ChoiceField(
            label="Time",
            choices=[("", "Choose a time")]
            + [(f"{h:02d}:00", f"{h:02d}:00") for h in range(6, 24)],
        )
        contact = forms.MultipleChoiceField(
            label="How can we contact you?",
            choices=[("email", "Email"), ("sms", "Text message"), ("phone", "Phone call")],
            widget=forms.CheckboxSelectMultiple,
            help_text="Select all that apply.",
        )
        understood = forms.BooleanField(label="I understand this service is not for emergencies")
        password = forms.CharField(
            label="Password",
            widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        )
        status = forms.ChoiceField(
            label="Show clients",
            choices=[("all", "All"), ("active", "Active"), ("flagged", "Flagged for review")],
            widget=forms.RadioSelect,
            initial="all",
        )
        consent = forms.ChoiceField(
            label="Can we send you reminders?",
            choices=[("yes", "Yes"), ("no", "No")],
            widget=forms.RadioSelect,
        )

    blank = DemoForm(auto_id="id_blank_%s")
    invalid = DemoForm(
        data={
            "email": "not-an-email",
            "situation": "At work, in a meeting.",
            "time": "09:00",
            "contact": ["email"],
            "understood": "on",
            "password": "x",
            "status": "all",
            "consent": "yes",
        },
        auto_id="id_invalid_%s",
    )
    invalid.is_valid()

    weeks = ["6 Jan", "13 Jan", "20 Jan", "27 Jan", "3 Feb", "10 Feb"]
    client_chart = build_line_chart(
        title="Your PHQ-9 score by week",
        summary="Your score went from 18 to 11 over 6 weeks.",
        points=[
            {"x_label": w, "value": v}
            for w, v in zip(weeks, [18, 16, 15, None, 12, 11], strict=True)
        ],
        y_min=0,
        y_max=27,
        bands=PHQ9_BANDS,
        chart_id="demo-client-phq9",
    )
    labels = [
        "Moderately severe",
        "Moderately severe",
        "Moderately severe",
        "",
        "Moderate",
        "Moderate",
    ]
    staff_chart = build_line_chart(
        title="PHQ-9 score by week",
        summary="Score fell from 18 at baseline to 11, 7 points lower, over 6 weeks.",
        points=[
            {"x_label": w, "value": v, "label": lab}
            for w, v, lab in zip(weeks, [18, 16, 15, None, 12, 11], labels, strict=True)
        ],
        y_min=0,
        y_max=27,
        bands=PHQ9_BANDS,
        baseline=18,
        markers=[{"index": 2, "text": "Item 9 answered above 0"}],
        chart_id="demo-staff-phq9",
    )
    days = [f"{d} Feb" for d in range(1, 13)]
    moods = [4, 5, 5, 3, None, 6, 6, 7, 5, 6, 7, 8]
    mood_chart = build_line_chart(
        title="Your mood, last 12 days",
        summary="Your mood has mostly gone up over the last 12 days.",
        points=[{"x_label": d, "value": v} for d, v in zip(days, moods, strict=True)],
        y_min=0,
        y_max=10,
        chart_id="demo-mood",
        value_heading="Mood (1 to 10)",
    )

    def spark(values):
        return build_sparkline(values, y_min=0, y_max=27, label="PHQ-9, last 6 weeks")

    return {
        "blank": blank,
        "invalid": invalid,
        "messages": [
            Message(constants.SUCCESS, "Your thought record was sent to your practitioner."),
            Message(constants.INFO, "Your next session is on Tuesday 17 February at 10:00."),
            Message(constants.ERROR, "We could not send your message. Try again in a few minutes."),
        ],
        "resources": [
            {
                "name": "999 or A&E",
                "detail": (
                    "If you are in danger now or have harmed yourself, call 999 or go to A&E."
                ),
                "phone": "999",
            },
            {
                "name": "NHS 111, option 2",
                "detail": "For urgent mental health help, call 111 and choose option 2.",
                "phone": "111",
            },
            {
                "name": "Samaritans",
                "detail": "Free, any time, day or night.",
                "phone": "116123",
                "phone_display": "116 123",
            },
            {
                "name": "Shout",
                "detail": "Text SHOUT to 85258 to talk by text, any time.",
                "text": "85258",
            },
        ],
        "summary_rows": [
            {"key": "Situation", "value": "At work, in a meeting.", "href": "#situation"},
            {"key": "Feelings", "value": "Anxious 70%, embarrassed 40%", "href": "#feelings"},
            {"key": "Hot thought", "value": "Everyone thinks I am useless.", "href": "#thought"},
        ],
        "overview_rows": [
            {"key": "Step", "value": "Step 2, guided self-help"},
            {"key": "Sessions", "value": "3 of 6 completed"},
            {"key": "Last check-in", "value": "2 days ago (9 February 2026)"},
        ],
        "client_chart": client_chart,
        "staff_chart": staff_chart,
        "mood_chart": mood_chart,
        "spark": spark([18, 16, 15, None, 12, 11]),
        "caseload": [
            {
                "name": "Alex Morgan",
                "last": "2 days ago",
                "last_abs": "9 Feb 2026",
                "phq": 11,
                "change": -7,
                "spark": spark([18, 16, 15, None, 12, 11]),
                "risk": True,
            },
            {
                "name": "Sam Okafor",
                "last": "Today",
                "last_abs": "11 Feb 2026",
                "phq": 6,
                "change": -9,
                "spark": spark([15, 13, 10, 9, 7, 6]),
                "risk": False,
            },
            {
                "name": "Jordan Lee-Williams",
                "last": "12 days ago",
                "last_abs": "30 Jan 2026",
                "phq": 19,
                "change": 1,
                "spark": spark([18, 19, None, None, 19, 19]),
                "risk": False,
            },
        ],
    }
