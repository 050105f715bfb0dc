from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """One-time, expiring invitation links.

    The token hashes the user's password state, so it stops working the moment
    the invited client sets a password (one-time), and it expires after
    `INVITATION_TIMEOUT` seconds.
    """

    key_salt = "apps.accounts.tokens.InvitationTokenGenerator"

    def check_token(self, user, token) -> bool:
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                break
        else:
            return False
        return (self._num_seconds(self._now()) - ts) <= self._timeout()

    def _timeout(self) -> int:
        return settings.INVITATION_TIMEOUT


invitation_token_generator = InvitationTokenGenerator()


class TwoStepSetupTokenGenerator(InvitationTokenGenerator):
    """Emailed one-time links to set up two-step verification.

    The token hashes the password state and `User.two_step_generation`, which
    goes up when an authenticator is confirmed or reset: a link works once,
    and a reset makes every older link useless. Expires after
    TWO_STEP_SETUP_LINK_HOURS.
    """

    key_salt = "apps.accounts.tokens.TwoStepSetupTokenGenerator"

    def _make_hash_value(self, user, timestamp) -> str:
        return f"{user.pk}{user.password}{user.two_step_generation}{user.is_active}{timestamp}"

    def _timeout(self) -> int:
        return settings.TWO_STEP_SETUP_LINK_HOURS * 3600


two_step_setup_token_generator = TwoStepSetupTokenGenerator()
