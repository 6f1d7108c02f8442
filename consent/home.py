"""The consent app on the home page: to-dos for the facilities, counts for the secretariat."""

import datetime

from django.urls import reverse
from django.utils import timezone

from core.home import Item, Panel
from facilities.models import Program, role_facility_ids

from .models import ConsentRecord, ConsentTemplate, ErasureRecord, Patient, PatientStatus
from .reconsent import open_requests_for

RECENT_DAYS = 30


def _facility_programs(user):
    return Program.objects.active().filter(facilities__pk__in=role_facility_ids(user)).distinct()


def nav(user):
    """患者 for people with a facility role. The secretariat reaches patients, versions and the
    access log from its home panel, so its pages pay no extra query for this menu."""
    if not role_facility_ids(user):
        return []
    programs = list(_facility_programs(user).only("slug", "name"))
    return [
        ("患者" if len(programs) == 1 else f"患者（{program.name}）",
         reverse("consent:patient-list", args=[program.slug]))
        for program in programs
    ]


def _counts(patients, since):
    active = patients.filter(status=PatientStatus.ACTIVE)
    return {
        "active": active.count(),
        "missing": active.without_valid_consent().count(),
        "withdrawn_patients": active.withdrawn_consent().count(),
        "withdrawn": ConsentRecord.objects.filter(patient__in=patients).withdrawn_since(since).count(),
    }


def panels(user):
    since = timezone.localdate() - datetime.timedelta(days=RECENT_DAYS)
    result = []
    for program in _facility_programs(user):
        mine = Patient.objects.actionable_by(user).filter(program=program)
        counts = _counts(mine, since)
        url = reverse("consent:patient-list", args=[program.slug])
        result.append(Panel(
            title=f"{program.name} 担当の患者",
            items=(
                Item("療養中の患者", counts["active"], url),
                Item("同意が記録されていない患者", counts["missing"], f"{url}?consent=missing&status=active",
                     alert=True),
                Item("同意を撤回した患者（療養中）", counts["withdrawn_patients"],
                     f"{url}?consent=withdrawn&status=active", alert=True),
                Item(f"最近{RECENT_DAYS}日に撤回された同意", counts["withdrawn"], alert=True),
                Item("同意の取り直しを依頼された患者", open_requests_for(user, program).count(),
                     reverse("consent:reconsent", args=[program.slug]), alert=True),
            ),
        ))
    for program in Program.objects.active().run_by(user):
        counts = _counts(Patient.objects.filter(program=program), since)
        url = reverse("consent:patient-list", args=[program.slug])
        drafts = ConsentTemplate.objects.drafts().filter(program=program).count()
        result.append(Panel(
            title=f"{program.name} 患者と同意（事務局）",
            items=(
                Item("療養中の患者", counts["active"], url),
                Item("同意あり", counts["active"] - counts["missing"] - counts["withdrawn_patients"],
                     f"{url}?consent=valid&status=active"),
                Item("同意が記録されていない患者", counts["missing"], f"{url}?consent=missing&status=active",
                     alert=True),
                Item("同意を撤回した患者（療養中）", counts["withdrawn_patients"],
                     f"{url}?consent=withdrawn&status=active", alert=True),
                Item(f"最近{RECENT_DAYS}日に撤回された同意", counts["withdrawn"]),
                Item("同意書の下書き（未公開）", drafts, reverse("consent:template-list", args=[program.slug]),
                     alert=True),
                Item("同意書の様式と版", url=reverse("consent:template-list", args=[program.slug])),
                Item("患者情報の閲覧記録", url=reverse("consent:access-log", args=[program.slug])),
                Item("患者情報の消去（完全削除の申出）", ErasureRecord.objects.filter(program=program).count(),
                     reverse("consent:erasure-list", args=[program.slug])),
            ),
        ))
    return result
