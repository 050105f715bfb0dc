"""The layer ladder (docs/architecture.md) stays a ladder."""

import re
from pathlib import Path

import pytest

from apps.accounts.services import invitation_accept
from apps.accounts.signals import invitation_accepted
from apps.care.models import TreatmentStatus
from tests.factories import TreatmentFactory

APPS = Path(__file__).resolve().parent.parent / "apps"
LOCAL_IMPORT = re.compile(r"^\s{4,}(from|import) apps\.")


def test_imports_inside_functions_say_why():
    """An import of an app inside a function carries a `# why` comment: on it, just above,
    or at the top of the function (one comment for all of `AppConfig.ready()`)."""
    unexplained = []
    for path in APPS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        lines = path.read_text().splitlines()
        for n, line in enumerate(lines):
            if not LOCAL_IMPORT.match(line):
                continue
            start = next((k for k in range(n, -1, -1) if lines[k].lstrip().startswith("def ")), n)
            context = lines[max(0, n - 3) : n + 1] + lines[start : start + 3]
            if not any("# why" in c for c in context):
                unexplained.append(f"{path.relative_to(APPS.parent)}:{n + 1}: {line.strip()}")
    assert not unexplained, "\n".join(unexplained)


@pytest.mark.django_db
def test_a_failing_receiver_undoes_the_account_change_with_it():
    """Receivers run in the sender's transaction: the invitation is accepted with its
    treatment started, or not at all."""
    treatment = TreatmentFactory(status=TreatmentStatus.INVITED, activated_at=None)
    user = treatment.client
    user.set_unusable_password()
    user.save()

    def boom(sender, **kwargs):
        raise RuntimeError("receiver failed")

    invitation_accepted.connect(boom, dispatch_uid="test.boom")
    try:
        with pytest.raises(RuntimeError):
            invitation_accept(user=user, password="a calm green river")
    finally:
        invitation_accepted.disconnect(dispatch_uid="test.boom")
    user.refresh_from_db()
    treatment.refresh_from_db()
    assert not user.has_usable_password()
    assert treatment.status == TreatmentStatus.INVITED

    invitation_accept(user=user, password="a calm green river")
    treatment.refresh_from_db()
    assert treatment.status == TreatmentStatus.ACTIVE
