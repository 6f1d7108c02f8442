from django import template

from core import wareki as _wareki

register = template.Library()


@register.filter
def wareki(value):
    """{{ date|wareki }} -> 令和7年4月1日"""
    return _wareki.wareki(value)


@register.filter
def wareki_month(value):
    return _wareki.wareki(value, with_day=False)
