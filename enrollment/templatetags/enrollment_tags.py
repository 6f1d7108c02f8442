from django import template

from enrollment.models import status_label

register = template.Library()


@register.filter
def status_word(status, application):
    """An application's state in its variant's words (記録済み where nobody approves)."""
    return status_label(status, registration=application.is_registration)
