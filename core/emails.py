"""E-mail, the one way: plain text rendered without HTML escaping, absolute links from
SITE_URL, and sent only after the transaction commits, so nobody is told about a change that
was rolled back. Sending is a background job (core.tasks.send_mail): a slow or unreachable
mail server never holds up the page.

Each app keeps its messages in `<app>/emails.py` and their text in
`templates/<app>/email/<name>.txt` with the subject in `<name>_subject.txt`.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from .jobs import enqueue_after_commit
from .tasks import send_mail

# A template engine like the pages' but with autoescape off (config/settings.py, TEMPLATES):
# "&" in a facility's name must arrive as "&", not "&amp;".
TEXT_ENGINE = "text"


def absolute_url(viewname, *args, **kwargs):
    """The link to a page of the portal, for an e-mail: reverse(...) under SITE_URL."""
    return settings.SITE_URL.rstrip("/") + reverse(viewname, args=args or None, kwargs=kwargs or None)


def render_text(template_name, context):
    return render_to_string(template_name, context, using=TEXT_ENGINE)


def message(template, context, to):
    """(subject, body, from, recipients) for send_mass_mail; `template` is "<app>/email/<name>"."""
    subject = " ".join(render_text(f"{template}_subject.txt", context).split())
    return (subject, render_text(f"{template}.txt", context), None, [t for t in to if t])


def send_after_commit(*messages):
    """Enqueue sending the messages (from `message()`) once the current transaction commits;
    those without a recipient are dropped."""
    messages = [m for m in messages if m[3]]
    if messages:
        enqueue_after_commit(send_mail, messages)


def send(template, context, to):
    """One message to `to` (a list of addresses), after the commit."""
    send_after_commit(message(template, context, to))
