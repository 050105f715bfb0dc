import pytest
from django.db import IntegrityError, transaction

from apps.accounts.models import Role, User
from tests.factories import UserFactory


@pytest.mark.django_db
def test_client_can_never_be_made_staff():
    client = UserFactory(is_client=True)
    for flag in ["is_pwp", "is_supervisor", "is_trial_manager", "is_staff", "is_superuser"]:
        setattr(client, flag, True)
        with pytest.raises(IntegrityError), transaction.atomic():
            client.save()
        setattr(client, flag, False)


@pytest.mark.django_db
def test_one_person_may_hold_several_staff_roles():
    user = UserFactory(is_pwp=True, is_supervisor=True)
    assert user.roles == [Role.PWP, Role.SUPERVISOR]
    assert user.primary_role == Role.PWP


@pytest.mark.django_db
def test_email_is_stored_lower_case_and_unique():
    User.objects.create_user(email="Someone@Example.org", password="x" * 12)
    assert User.objects.filter(email="someone@example.org").exists()
    with pytest.raises(IntegrityError):
        User.objects.create_user(email="someone@example.org")
