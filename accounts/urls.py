from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path, reverse_lazy

from . import forms, views

app_name = "accounts"


def public(view):
    return login_not_required(view)


urlpatterns = [
    path("login/", public(views.LoginView.as_view()), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("security/", views.security, name="security"),
    path("security/backup-codes/", views.backup_codes_regenerate, name="backup-codes-regenerate"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password-change-done",
    ),
    path(
        "password/reset/",
        public(
            auth_views.PasswordResetView.as_view(
                template_name="accounts/password_reset.html",
                form_class=forms.PasswordResetForm,
                email_template_name="accounts/email/password_reset.txt",
                subject_template_name="accounts/email/password_reset_subject.txt",
                success_url=reverse_lazy("accounts:password-reset-done"),
            )
        ),
        name="password-reset",
    ),
    path(
        "password/reset/sent/",
        public(auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        public(views.PasswordResetConfirmView.as_view()),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        public(auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")),
        name="password-reset-complete",
    ),
]
