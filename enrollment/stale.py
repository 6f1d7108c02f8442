"""The answer to a form sent from a page older than the application's last decision.

Another member decided in another tab, or the applicant corrects an application that was
approved meanwhile: the page says what happened, when and by whom, and links to the
application as it is now (409 Conflict), never a bare refusal.
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from .services import last_decision


def stale_response(request, application, what, *, public=False):
    """`what` is the step the person asked for (e.g. "承認"); `public`: the applicant's side, where
    the secretariat's members are not named."""
    event = last_decision(application)
    if public:
        link = reverse("enrollment:follow", args=[application.access_token])
        who = "事務局" if event and event.actor_id else (event.actor_label if event else "")
    else:
        link = reverse("enrollment:application-detail", args=[application.program.slug, application.pk])
        who = event.actor_label if event else ""
    return render(
        request, "enrollment/stale.html",
        {
            "application": application, "program": application.program, "what": what, "event": event,
            "when": timezone.localtime(event.created_at) if event else None, "who": who, "link": link,
            "public": public,
        },
        status=409,
    )
