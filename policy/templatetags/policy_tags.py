from django import template

from policy import comparison

register = template.Library()


@register.inclusion_tag("policy/_variant_rules.html")
def variant_rules(variant):
    return {"sections": comparison.variant_rules(variant)}
