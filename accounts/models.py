from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in to the portal. Roles live in facilities.Role."""

    email = models.EmailField("メールアドレス", max_length=254, unique=True)
    full_name = models.CharField("氏名", max_length=100)
    full_name_kana = models.CharField("カナ", max_length=100, blank=True)
    is_staff = models.BooleanField("管理サイトへのアクセス", default=False)
    is_active = models.BooleanField("有効", default=True)
    date_joined = models.DateTimeField("登録日時", default=timezone.now)
    password_changed_at = models.DateTimeField("パスワード変更日時", null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "利用者"
        verbose_name_plural = "利用者"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name

    # Roles live in facilities, above this app in the dependency order; we read them through
    # the reverse relation (`roles`) so that accounts never imports facilities.

    def needs_two_factor(self):
        """Anyone who can see patient data or approve anything: every role holder and the admin site."""
        return self.is_staff or self.is_superuser or self.roles.filter(is_active=True).exists()

    def policy_variants(self):
        """The policy variants of the programs this user holds an active role in."""
        variants = self.roles.filter(is_active=True, program__is_active=True).values_list(
            "program__variant", flat=True
        )
        return sorted(set(variants))

    def password_age_days(self, *, now=None):
        changed = self.password_changed_at or self.date_joined
        return max(((now or timezone.now()) - changed).days, 0)
