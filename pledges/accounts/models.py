"""People who log in, and their roles."""

from __future__ import annotations

import unicodedata

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.reference.models import Municipality


class Role(models.TextChoices):
    MUNICIPAL_STAFF = "staff", _("municipal staff")
    COORDINATOR = "coordinator", _("coordinator")
    FINANCE = "finance", _("finance")
    ADMINISTRATOR = "admin", _("administrator")


def normalise_email(value: str) -> str:
    """One spelling per address: NFKC folds full-width and other look-alike forms, casefold the case.

    Used to store an address, to look a user up and to count login failures, so that
    "Almere@…" and its full-width spelling are one account to the throttle too.
    """
    return unicodedata.normalize("NFKC", value).strip().casefold()


class UserManager(BaseUserManager["User"]):
    # Not serialised into migrations: they must not import live code, and none needs create_user.
    use_in_migrations = False

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        user = self.model(email=normalise_email(email), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str) -> User:
        """Log in whatever the case of the e-mail address (addresses are stored lower case)."""
        return self.get(email__iexact=normalise_email(username))

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True, role=Role.ADMINISTRATOR)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    """A person who logs in with their work e-mail address."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Only for municipal staff: the municipality they act for."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Municipal staff act for exactly one municipality; fund staff for none.
            models.CheckConstraint(
                condition=(Q(role="staff") & Q(municipality__isnull=False))
                | (~Q(role="staff") & Q(municipality__isnull=True)),
                name="user_municipality_matches_role",
                # Only where clean() could not say it next to the field (a form without both fields).
                violation_error_code="municipality_matches_role",
                violation_error_message=_(
                    "Municipal staff need a municipality; the fund's coordinators, finance and "
                    "administrators have none."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        # The admin's forms save through here: the same spelling as create_user() stores.
        self.email = normalise_email(self.email)
        problem = self._municipality_problem()
        if problem:
            raise ValidationError({"municipality": problem})

    def _municipality_problem(self) -> ValidationError | None:
        """The constraint user_municipality_matches_role, said as what to fill in or to empty.

        On the field, next to it in the admin; and a field with an error keeps the constraint's
        own general message away.
        """
        if self.role == Role.MUNICIPAL_STAFF and self.municipality_id is None:
            return ValidationError(
                _("Choose the municipality this person works for: municipal staff act for one municipality."),
                code="municipality_missing",
            )
        if self.role and self.role != Role.MUNICIPAL_STAFF and self.municipality_id is not None:
            return ValidationError(
                _(
                    "Leave the municipality empty for this role (%(role)s): only municipal staff act for "
                    "a municipality."
                ),
                code="municipality_not_for_role",
                params={"role": self.get_role_display()},
            )
        return None

    @property
    def is_municipal_staff(self) -> bool:
        return self.role == Role.MUNICIPAL_STAFF

    @property
    def is_fund_staff(self) -> bool:
        """Coordinators, finance and administrators: they see every municipality."""
        return self.role in (Role.COORDINATOR, Role.FINANCE, Role.ADMINISTRATOR)

    @property
    def requires_two_factor(self) -> bool:
        """Fund staff and whoever reaches the admin log in with a second factor, as the BIO asks."""
        return self.is_fund_staff or self.is_staff


class LoginFailure(models.Model):
    """A failed login, kept briefly to throttle guessing (see pledges.accounts.throttle)."""

    account = models.CharField(max_length=254)
    address = models.GenericIPAddressField()
    at = models.DateTimeField(default=timezone.now)
    # From a browser this account logged in with before (its signed cookie): such failures
    # are counted apart, so guessers at the same address do not lock that browser out.
    known_device = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["address", "at"], name="login_failure_address"),
            models.Index(fields=["account", "address", "at"], name="login_failure_pair"),
        ]


class PasswordLinkRequest(models.Model):
    """A request for a password link, kept briefly to limit them per address and per account."""

    # As typed (normalised), whether or not an account has it: counting only real ones would tell.
    account = models.CharField(max_length=254)
    address = models.GenericIPAddressField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["address", "at"], name="password_link_address"),
            models.Index(fields=["account", "at"], name="password_link_account"),
        ]


class ForwardedForNotice(models.Model):
    """The last request that came with X-Forwarded-For while no proxy is trusted (system check W011)."""

    seen_at = models.DateTimeField(default=timezone.now)
    remote_address = models.GenericIPAddressField()


class Authenticator(models.Model):
    """A user's authenticator app: the TOTP secret they scanned, and the last step it was used for.

    Not confirmed until the user has typed a first code from it; only a confirmed
    authenticator is asked for at login.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="authenticator")
    # Base32, as authenticator apps expect it.
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The 30-second step of the last accepted code: a code of that step or earlier
    # is refused, so a code seen over a shoulder cannot be used again.
    last_used_step = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return str(self.user)


class RecoveryCode(models.Model):
    """A one-time code for when the phone is lost; only its SHA-256 is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    # The codes carry 80 random bits, so a plain hash cannot be brute-forced.
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique")]
