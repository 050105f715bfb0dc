"""Quiz steps: one question at a time with immediate feedback per answer.

Data: {"answers": {"<question index>": <option index>}}. The questions come
from the step (`Step.questions`: text, options[text, correct, feedback]).
"""

from django import forms
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from apps.programme.exercises.base import Exercise, FeedbackItem


class QuestionForm(forms.Form):
    answer = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose an answer."),
            "invalid_choice": _("Choose an answer."),
        },
    )

    def __init__(self, *args, question: dict, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["answer"]
        field.label = question["text"]
        field.choices = [(i, o["text"]) for i, o in enumerate(question.get("options", []))]


class Quiz(Exercise):
    key = "quiz"
    title = _("Check what you have learned")
    repeatable = False

    def question_form(self, question: dict, *, data=None, initial=None) -> QuestionForm:
        return QuestionForm(data=data, initial=initial, question=question)

    def get_form(self, *, step=None, data=None, initial=None):
        return forms.Form(data=data, initial=initial)

    @staticmethod
    def answer_feedback(question: dict, choice: int) -> dict:
        options = question.get("options", [])
        chosen = options[choice] if 0 <= choice < len(options) else {}
        correct = [o["text"] for o in options if o.get("correct")]
        return {
            "correct": bool(chosen.get("correct")),
            "text": chosen.get("feedback", ""),
            "chosen": chosen.get("text", ""),
            "right_answers": correct,
        }

    def answers(self, data) -> dict[int, int]:
        out = {}
        for key, value in (data.get("answers") or {}).items():
            try:
                out[int(key)] = int(value)
            except (TypeError, ValueError):
                continue
        return out

    def validate(self, data, *, step=None):
        form = self.get_form(step=step, data={})
        form.is_valid()
        questions = list(step.questions) if step is not None else []
        answers = self.answers(data)
        missing = [i for i in range(len(questions)) if i not in answers]
        if missing:
            form.add_error(
                None, _("Answer question %(n)d before you finish.") % {"n": missing[0] + 1}
            )
            return None, form
        return {"answers": {str(k): v for k, v in sorted(answers.items())}}, form

    def summary(self, data, *, step=None):
        questions = list(step.questions) if step is not None else []
        items = []
        for index, choice in sorted(self.answers(data).items()):
            if index >= len(questions):
                continue
            result = self.answer_feedback(questions[index], choice)
            mark = _t("right") if result["correct"] else _t("not quite")
            items.append(
                {"label": questions[index]["text"], "value": f"{result['chosen']} ({mark})"}
            )
        return items

    def feedback(self, data, history=(), *, step=None):
        return [
            FeedbackItem(
                _t(
                    "You have answered all the questions. Well done for checking "
                    "what you have learned."
                ),
                "praise",
            )
        ]
