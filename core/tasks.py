"""The jobs `core` runs in the background (core.jobs says how they are enqueued)."""

from django.core.mail import send_mass_mail
from django_tasks import task


@task()
def send_mail(messages):
    """Send (subject, body, from, recipients) messages; a failure is the job's, retried by hand."""
    send_mass_mail([tuple(m) for m in messages], fail_silently=False)
