"""`manage.py demo` for the trials app: an API token, made once, never printed."""

from rest_framework.authtoken.models import Token

from apps.trials import demo
from tests.factories import UserFactory


def test_demo_gives_the_demo_trial_manager_one_api_token_silently(db, capsys):
    manager = UserFactory(is_trial_manager=True, email="trials@example.org")
    context = {"staff": {"trials@example.org": manager, "pwp@example.org": UserFactory()}}
    demo.populate(context)
    key = Token.objects.get(user=manager).key
    demo.populate(context)
    assert list(Token.objects.values_list("user", "key")) == [(manager.pk, key)]
    assert capsys.readouterr() == ("", "")
