from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLIENT = "client", _("Client")
    PWP = "pwp", _("Practitioner (PWP)")
    SUPERVISOR = "supervisor", _("Supervisor")
    TRIAL_MANAGER = "trial_manager", _("Trial manager")
    ADMIN = "admin", _("Administrator")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Email is the login.

    Roles are flags because one person may hold several staff roles (a PWP who
    also supervises). A client never holds a staff role: a database constraint
    enforces it, so no code path can make a client staff.
    """

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    preferred_name = models.CharField(
        _("preferred name"),
        max_length=150,
        blank=True,
        help_text=_("What the person likes to be called, shown on their pages."),
    )
    is_client = models.BooleanField(_("client"), default=False)
    is_pwp = models.BooleanField(_("practitioner (PWP)"), default=False)
    is_supervisor = models.BooleanField(_("supervisor"), default=False)
    is_trial_manager = models.BooleanField(_("trial manager"), default=False)
    is_staff = models.BooleanField(
        _("can use the admin site"),
        default=False,
        help_text=_("Administrators and content authors."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/London")
    # Goes up each time two-step verification is set up or reset: an emailed
    # set-up link made before that stops working (links are single-use).
    two_step_generation = models.PositiveIntegerField(default=0, editable=False)
    # One of settings.LANGUAGES (checked in forms, not as model choices, so a
    # service adding a language needs no migration). Empty: not chosen yet,
    # the browser's language is used; emails then go in LANGUAGE_CODE.
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("The language of pages, emails and text messages."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="client_is_never_staff",
                condition=Q(is_client=False)
                | Q(
                    is_pwp=False,
                    is_supervisor=False,
                    is_trial_manager=False,
                    is_staff=False,
                    is_superuser=False,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.first_name or self.email.split("@")[0]

    @property
    def language_code(self) -> str:
        """The language to write to this person in: their choice if still offered."""
        offered = {code for code, _name in settings.LANGUAGES}
        return self.language if self.language in offered else settings.LANGUAGE_CODE

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def is_admin(self) -> bool:
        return self.is_superuser

    @property
    def roles(self) -> list[str]:
        flags = [
            (self.is_client, Role.CLIENT),
            (self.is_pwp, Role.PWP),
            (self.is_supervisor, Role.SUPERVISOR),
            (self.is_trial_manager, Role.TRIAL_MANAGER),
            (self.is_superuser, Role.ADMIN),
        ]
        return [role for held, role in flags if held]

    @property
    def is_staff_member(self) -> bool:
        """Holds a staff role or can use the admin site: signs in with two steps.

        Clients never do (the constraint above keeps clients off every staff flag).
        """
        return any(
            (
                self.is_pwp,
                self.is_supervisor,
                self.is_trial_manager,
                self.is_superuser,
                self.is_staff,
            )
        )

    @property
    def primary_role(self) -> str | None:
        """The role whose home the person lands on after signing in."""
        order = [Role.CLIENT, Role.PWP, Role.SUPERVISOR, Role.TRIAL_MANAGER, Role.ADMIN]
        roles = self.roles
        return next((r for r in order if r in roles), None)


class LoginEvent(models.Model):
    """One successful sign-in. Adherence analysis counts these per participant."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_events")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.at:%Y-%m-%d %H:%M}"


class ApiTokenScope(models.TextChoices):
    RESEARCH_READ = "research_read", _("Read research data")
    RESEARCH_EXPORT = "research_export", _("Read research data and request export files")


class ApiToken(models.Model):
    """A named, expiring, revocable API key of one trial manager.

    Only a SHA-256 hash of the key is stored; the key itself is shown once, at
    creation. `prefix` (the start of the key, not secret) finds the row. Admins
    and clients never hold tokens (apps.accounts.services.api_token_create and
    apps.accounts.authentication refuse them).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        _("scope"),
        max_length=32,
        choices=ApiTokenScope.choices,
        default=ApiTokenScope.RESEARCH_READ,
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="api_token_expires_after_creation",
                condition=Q(expires_at__gt=models.F("created_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
