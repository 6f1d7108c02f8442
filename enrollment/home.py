from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from core.emails import absolute_url
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


def _queue_items(program, row, queue):
    """The queue's counts in the variant's words. A registration (届出) is recorded at once; the
    secretariat only holds one that names an address already in use, and acknowledges the rest."""
    if not program.policy.secretariat_approves:
        items = [
            Item("確認待ちの届出（受付を保留したもの）", row.get("awaiting", 0), f"{queue}?status=awaiting", alert=True),
            Item("受付確認待ちの届出", row.get("unacknowledged", 0), f"{queue}?status=unacknowledged", alert=True),
        ]
        if row.get("returned"):
            items.append(Item("差戻し中（届出者の修正待ち）", row["returned"], f"{queue}?status=returned"))
        return items
    return [
        Item("審査待ち（再提出を含む）", row.get("awaiting", 0), f"{queue}?status=awaiting", alert=True),
        Item("差戻し中（申込者の修正待ち）", row.get("returned", 0), f"{queue}?status=returned"),
        Item("再提出の期限切れ", row.get("overdue", 0), f"{queue}?status=overdue", alert=True),
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
            unacknowledged=Count("pk", filter=Q(status=ApplicationStatus.APPROVED, acknowledged_at__isnull=True)),
        )
    }
    result = []
    for program in programs:
        row = counts.get(program.pk, {})
        queue = reverse("enrollment:application-list", args=[program.slug])
        # A link to the public page itself; the network page shows its full address to copy.
        apply_url = absolute_url("enrollment:apply", program.slug)
        network = reverse("facilities:program-detail", args=[program.slug])
        result.append(
            Panel(
                title=f"{program.name} {_word(program)}（事務局）",
                items=(
                    *_queue_items(program, row, queue),
                    Item("申込ページ（公開）を開く", None, apply_url),
                    Item("公開ページのアドレス・ネットワークの設定", None, network),
                ),
            )
        )
    return result
