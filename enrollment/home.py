from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from core.home import Item, Panel
from facilities.models import Program

from .models import AWAITING_REVIEW, Application, ApplicationStatus


def _word(program):
    return "利用申込" if program.policy.secretariat_approves else "利用届出"


def nav(user):
    return [
        (f"{program.name} {_word(program)}", reverse("enrollment:application-list", args=[program.slug]))
        for program in Program.objects.active().run_by(user).only("slug", "name", "variant")
    ]


def panels(user):
    programs = list(Program.objects.active().run_by(user))
    if not programs:
        return []
    today = timezone.localdate()
    returned = Q(status=ApplicationStatus.RETURNED)
    counts = {
        row["program"]: row
        for row in Application.objects.filter(program__in=programs).values("program").annotate(
            awaiting=Count("pk", filter=Q(status__in=AWAITING_REVIEW)),
            returned=Count("pk", filter=returned),
            overdue=Count("pk", filter=returned & Q(return_deadline__lt=today)),
        )
    }
    result = []
    for program in programs:
        row = counts.get(program.pk, {})
        queue = reverse("enrollment:application-list", args=[program.slug])
        # The path only: the full address would overflow the panel; the queue page shows it whole.
        apply_path = reverse("enrollment:apply", args=[program.slug])
        result.append(
            Panel(
                title=f"{program.name} {_word(program)}（事務局）",
                items=(
                    Item("審査待ち（再提出を含む）", row.get("awaiting", 0), f"{queue}?status=awaiting", alert=True),
                    Item("差戻し中（申込者の修正待ち）", row.get("returned", 0), f"{queue}?status=returned"),
                    Item("再提出の期限切れ", row.get("overdue", 0), f"{queue}?status=overdue", alert=True),
                ),
                note=f"申込ページ（公開）: {apply_path}",
            )
        )
    return result
