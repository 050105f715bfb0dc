from django import template

from apps.tracking.forms import GoalForm

register = template.Library()


@register.simple_tag
def new_goal_form() -> GoalForm:
    """An empty goal form, for `_goal_form.html` included without `goal_form`."""
    return GoalForm()
