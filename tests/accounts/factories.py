import factory
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    name = "Authenticator app"
    confirmed = True


class RecoveryDeviceFactory(factory.django.DjangoModelFactory):
    """A recovery-code device; `codes=[...]` adds those codes."""

    class Meta:
        model = StaticDevice
        skip_postgeneration_save = True

    name = "Recovery codes"
    confirmed = True

    @factory.post_generation
    def codes(self, create, value, **kwargs):
        for code in value or []:
            StaticToken.objects.create(device=self, token=code)
