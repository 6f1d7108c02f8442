from django import template

from facilities.models import programs_run_by

register = template.Library()


@register.filter
def runs_a_network(user):
    """Whether the user belongs to a network's secretariat (whom to ask for help differs)."""
    return user.is_authenticated and bool(programs_run_by(user))
