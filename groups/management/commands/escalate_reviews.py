"""Move overdue periodic reviews (past their campaign's due date, not completed) to the secretariat.

Nobody is removed from a group because a reviewer did not answer: the review is escalated,
listed on the secretariat's dashboard and home page, and the secretariat is mailed. Idempotent:
run it daily from cron; a review is escalated once.
"""

from django.core.management.base import BaseCommand

from groups.reviews import reviews_escalate


class Command(BaseCommand):
    help = "Escalate overdue periodic membership reviews to the secretariat (idempotent)."

    def handle(self, *args, **options):
        count = reviews_escalate()
        self.stdout.write(f"Escalated {count} overdue review(s) to the secretariat.")
