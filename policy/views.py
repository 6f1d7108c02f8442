from django.shortcuts import render

from . import comparison
from .rules import profile


def compare(request):
    keys = comparison.variants()
    return render(
        request,
        "policy/compare.html",
        {
            "profiles": [profile(key) for key in keys],
            "profile_rows": comparison.profile_rows(keys),
            "sections": comparison.rule_sections(keys),
        },
    )
