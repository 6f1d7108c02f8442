"""Demo applications for one demo program (called by demo's seed_demo, idempotent).

Rows are written directly, not through the services, so that seeding sends no e-mail;
each is found again by its fixed 受付番号 (year 2025, so real receipts never collide).
"""

import datetime
import secrets

from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from facilities.models import RoleKind

from .models import Application, ApplicationEvent, ApplicationStatus, EventKind, Registrant

S = ApplicationStatus
YEAR = 2025
RECEIVED = datetime.datetime(2025, 4, 1, 10, 0, tzinfo=datetime.UTC)

# (sequence, status, facility name, kana, kind, registrants: (name, kana, gender, job, admin))
OPEN_APPLICATIONS = (
    (2, S.SUBMITTED, "すずらん訪問看護ステーション", "スズランホウモンカンゴステーション", "home_nursing",
     (("高橋 美咲", "タカハシ ミサキ", "女", "nurse", True), ("渡辺 亮", "ワタナベ リョウ", "男", "pt", False))),
    (3, S.RETURNED, "あおば薬局", "アオバヤッキョク", "pharmacy",
     (("伊藤 真一", "イトウ シンイチ", "男", "pharmacist", True),)),
    (4, S.RESUBMITTED, "やまびこ居宅介護支援事業所", "ヤマビコキョタクカイゴシエンジギョウショ", "care_management",
     (("加藤 陽子", "カトウ ヨウコ", "女", "care_manager", True), ("吉田 誠", "ヨシダ マコト", "男", "care_manager", False))),
)
REGISTRATION_WITHDRAWN = (
    (2, S.WITHDRAWN, "みなみ在宅クリニック", "ミナミザイタククリニック", "clinic",
     (("斎藤 健", "サイトウ ケン", "男", "doctor", True),)),
)


def seed(program, *, facilities, stdout=None):
    """Create this app's demo rows for `program`; return lines to print."""
    secretariat = User.objects.filter(roles__program=program, roles__kind=RoleKind.SECRETARIAT).first()
    _approved(program, facilities[1], secretariat)
    specs = OPEN_APPLICATIONS if program.policy.secretariat_approves else REGISTRATION_WITHDRAWN
    for spec in specs:
        _open(program, spec, base=facilities[0], secretariat=secretariat)
    # A path, not SITE_URL's address: the demo server may listen on any host and port.
    return [f"  利用申込ページ（{program.name}）: {reverse('enrollment:apply', args=[program.slug])}"]


def _application(program, sequence, **fields):
    application, created = Application.objects.get_or_create(
        receipt_number=f"{program.code}-{YEAR}-{sequence:04d}",
        defaults={
            "program": program, "receipt_year": YEAR, "receipt_sequence": sequence,
            "access_token": secrets.token_urlsafe(32), "submitted_at": RECEIVED,
            "contact_name": "申込 担当", "contact_email": f"apply{sequence}@{program.slug}.example.jp",
            "pledge_agreed": program.policy.facility_pledge_text is not None,
            "pledge_text": list(program.policy.facility_pledge_text or []),
            "pledge_signed_on": RECEIVED.date() if program.policy.facility_pledge_text else None,
            **fields,
        },
    )
    return application, created


def _event(application, kind, from_status, to_status, actor=None, **extra):
    ApplicationEvent.objects.create(
        application=application, kind=kind, from_status=from_status, to_status=to_status, actor=actor,
        created_at=RECEIVED, **extra,
    )


def _approved(program, facility, secretariat):
    """The demo clinic, as if it had applied and been approved (or registered) a year ago."""
    registers = not program.policy.secretariat_approves
    staff = list(facility.staff.order_by("pk"))
    admin = next((s for s in staff if s.is_admin), None)
    application, created = _application(
        program, 1, status=S.APPROVED, facility=facility, facility_name=facility.name,
        facility_name_kana=facility.name_kana or "ヒダマリザイタククリニック", facility_kind=facility.kind,
        postal_code=facility.postal_code, address=facility.address, phone=facility.phone,
        pledge_signer_name=admin.full_name if admin else "", decided_at=RECEIVED,
        decided_by=None if registers else secretariat,
        # Its administrators log in: a registration was acknowledged (docs/decisions/0019-registration-human-step.md).
        email_confirmed_at=RECEIVED if registers else None, acknowledged_at=RECEIVED,
        acknowledged_by=secretariat if registers else None,
    )
    if not created:
        return
    for position, s in enumerate(staff, 1):
        Registrant.objects.create(
            application=application, position=position, full_name=s.full_name, full_name_kana=s.full_name_kana,
            gender=s.gender, email=s.email, job=s.job, is_admin=s.is_admin, staff=s,
        )
    _event(application, EventKind.SUBMITTED, S.DRAFT, S.SUBMITTED)
    if registers:
        _event(application, EventKind.REGISTERED, S.SUBMITTED, S.APPROVED, comment="届出として記録しました（承認は不要です）。")
        _event(application, EventKind.EMAIL_CONFIRMED, S.APPROVED, S.APPROVED)
        _event(application, EventKind.ACKNOWLEDGED, S.APPROVED, S.APPROVED, actor=secretariat,
               comment="管理者のログインを有効にしました")
    else:
        _event(application, EventKind.APPROVED, S.SUBMITTED, S.APPROVED, actor=secretariat)


def _open(program, spec, *, base, secretariat):
    sequence, status, name, kana, kind, people = spec
    today = timezone.localdate()
    returned = status in (S.RETURNED, S.RESUBMITTED)
    application, created = _application(
        program, sequence, status=status, facility_name=name, facility_name_kana=kana, facility_kind=kind,
        postal_code=base.postal_code, address=f"{base.town_address}{sequence}-{sequence + 10}",
        phone=f"0120-100-{sequence:03d}",
        pledge_signer_name=people[0][0],
        return_comment="登録者の職種を確認してください。管理者に指定した方のメールアドレスが事業所の共用アドレスのようです。"
        if returned else "",
        return_deadline=today + datetime.timedelta(days=7) if returned else None,
        decided_at=RECEIVED if status == S.WITHDRAWN else None,
    )
    if not created:
        return
    for position, (full_name, full_kana, gender, job, is_admin) in enumerate(people, 1):
        Registrant.objects.create(
            application=application, position=position, full_name=full_name, full_name_kana=full_kana,
            gender=gender, email=f"apply{sequence}-{position}@{program.slug}.example.jp", job=job, is_admin=is_admin,
        )
    _event(application, EventKind.SUBMITTED, S.DRAFT, S.SUBMITTED)
    if returned:
        _event(application, EventKind.RETURNED, S.SUBMITTED, S.RETURNED, actor=secretariat,
               comment=application.return_comment, deadline=application.return_deadline)
    if status == S.RESUBMITTED:
        _event(application, EventKind.RESUBMITTED, S.RETURNED, S.RESUBMITTED)
    if status == S.WITHDRAWN:
        _event(application, EventKind.WITHDRAWN, S.SUBMITTED, S.WITHDRAWN, comment="重複して届け出たため")
