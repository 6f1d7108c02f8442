"""Demo rows of the oversight app for one demo program (called by demo's seed_demo, idempotent).

Through the services, like real use: a lost phone reported by the clinic's administrator (the
APPI clock running), a notice to every facility's administrator, and a lent device in the
clinic's register.
"""

import datetime

from django.utils import timezone

from facilities.models import Role, RoleKind

from . import services
from .models import AdminNotice, Device, Incident, IncidentKind, Ownership

CLINIC = 1  # demo.data.FACILITIES


def seed(program, *, facilities, stdout=None):
    clinic = facilities[CLINIC]
    roles = Role.objects.active().select_related("user")
    admin = roles.filter(facility=clinic, kind=RoleKind.FACILITY_ADMIN).first()
    secretariat = roles.filter(program=program, kind=RoleKind.SECRETARIAT).first()
    if admin is None or secretariat is None:
        return []
    lines = []
    today = timezone.localdate()
    if not Incident.objects.filter(program=program).exists():
        incident = services.incident_report(
            program=program, facility=clinic, by=admin.user, kind=IncidentKind.LOST_DEVICE,
            discovered_on=today - datetime.timedelta(days=2), occurred_on=today - datetime.timedelta(days=2),
            what_happened="訪問診療の帰りに、MCSを使っている業務用スマートフォンを紛失した（デモ）。",
            first_response="MDMで遠隔消去を実行し、MCSのパスワードを変更した。",
            affected_patient_numbers="P-0001, P-0002", affected_count=2,
        )
        lines.append(f"{program.name}: デモのトラブル報告（{incident.number}）を登録しました。")
    if not AdminNotice.objects.filter(program=program).exists():
        services.notice_send(program=program, by=secretariat.user, title="MCS研修会のお知らせ（デモ）",
                             body="来月、MCSの操作と情報セキュリティの研修会を開きます。各施設の管理者はご確認ください。")
        lines.append(f"{program.name}: 施設管理者へのお知らせ（デモ）を送りました。")
    if not Device.objects.filter(facility=clinic).exists():
        services.device_register(
            facility=clinic, by=admin.user, label="診療所iPhone-01", kind="smartphone", ownership=Ownership.LENT,
            registered_on=today, safeguards=list(program.policy.device_safeguards),
        )
    return lines
