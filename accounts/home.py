"""The home page's account panel: what keeps this login safe, and what needs doing about it."""

from django.urls import reverse

from core.home import Item, Panel

from . import passwords, services


def nav(user):
    return [("アカウントのセキュリティ", reverse("accounts:security"))]


def panels(user):
    security = reverse("accounts:security")
    age = user.password_age_days()
    overdue = passwords.policy_notes(user, days_since_change=age)
    left = services.backup_codes_left(user)
    reminder = services.backup_codes_reminder(left)
    # home.html highlights non-zero counts only, and zero codes left is the worst case: say it in the note.
    notes = [reminder, *(note["message"] for note in overdue)]
    return [
        Panel(
            title="アカウントのセキュリティ",
            items=(
                Item("バックアップコードの残り", left, security, alert=bool(reminder)),
                Item("パスワードを変更してからの日数", age, reverse("accounts:password-change"), alert=bool(overdue)),
            ),
            note=" ".join(filter(None, notes)),
        )
    ]
