"""The people around one patient that journeys 3 and 4 start from, and reading the PDFs they download.

A clinic whose coordinator (a staff member with a portal account and an authenticator app) registers
the patient and leads the group; the patient's doctor there; a visiting-nurse station, a care
management office and, where the policy puts one in every group, the 医師会's own member, all staff
with their pledges on file; and a pharmacy whose use of MCS is suspended, so its staff cannot join.
"""

import datetime
import io
import re
from dataclasses import dataclass
from urllib.parse import unquote

from pypdf import PdfReader

from facilities.models import FacilityKind, FacilityStatus, JobType, Pledge, PledgeKind, RoleKind
from tests.browser.helpers import program_run_by_secretariat, with_app
from tests.factories import FacilityFactory, RoleFactory, StaffFactory, UserFactory


@dataclass
class CareNetwork:
    program: object
    secretary: object  # User: the secretariat
    clinic: object
    coordinator: object  # User: coordinator at the clinic
    leader: object  # Staff: the coordinator's own ledger entry, who leads the patient's group
    doctor: object
    nursing: object
    nurse: object
    care_office: object
    care_manager: object
    suspended_namesake: object  # same surname as the care manager, at a suspended pharmacy
    association_admin: object  # the 医師会's member where the policy wants one, else None

    @property
    def policy(self):
        return self.program.policy


def staff(facility, name, kana, job, **kwargs):
    """A staff member on the ledger with their pledge on file (an existing one, which every policy
    that asks for a pledge accepts), so the engine lets them join a group."""
    person = StaffFactory(facility=facility, full_name=name, full_name_kana=kana, job=job, **kwargs)
    Pledge.objects.create(staff=person, kind=PledgeKind.EXEMPT, signed_on=datetime.date(2024, 4, 1),
                          existing_pledge="入職時の誓約書")
    return person


def care_network(variant):
    program, secretary = program_run_by_secretariat(variant)
    clinic = FacilityFactory(program=program, name="あおぞら在宅クリニック", kind=FacilityKind.CLINIC)
    coordinator = with_app(UserFactory(full_name="連携 花子", email="renkei.hanako@aozora-clinic.example.jp"))
    RoleFactory(kind=RoleKind.COORDINATOR, program=program, facility=clinic, user=coordinator)
    nursing = FacilityFactory(program=program, name="みどり訪問看護ステーション", kind=FacilityKind.HOME_NURSING)
    care_office = FacilityFactory(program=program, name="さくら居宅介護支援事業所",
                                  kind=FacilityKind.CARE_MANAGEMENT)
    pharmacy = FacilityFactory(program=program, name="ひかり薬局", kind=FacilityKind.PHARMACY,
                               status=FacilityStatus.SUSPENDED)
    association_admin = None
    if program.policy.association_admin_in_group:
        association = FacilityFactory(program=program, name=program.secretariat_name, kind=FacilityKind.ASSOCIATION)
        association_admin = staff(association, "医師会 理事", "イシカイ リジ", JobType.DOCTOR)
    return CareNetwork(
        program=program, secretary=secretary, clinic=clinic, coordinator=coordinator,
        leader=staff(clinic, "連携 花子", "レンケイ ハナコ", JobType.NURSE, user=coordinator,
                     email=coordinator.email),
        doctor=staff(clinic, "青木 誠", "アオキ マコト", JobType.DOCTOR),
        nursing=nursing, nurse=staff(nursing, "高橋 美咲", "タカハシ ミサキ", JobType.NURSE),
        care_office=care_office,
        care_manager=staff(care_office, "佐々木 由美", "ササキ ユミ", JobType.CARE_MANAGER),
        suspended_namesake=staff(pharmacy, "佐々木 健", "ササキ ケン", JobType.PHARMACIST),
        association_admin=association_admin,
    )


def download(page, link_name):
    """What the link the person sees serves them: (PDF bytes, file name).

    Chromium shows an inline PDF in its viewer rather than saving it, so the bytes are fetched
    from the link's address with the person's own cookies (the context's request API).
    """
    href = page.get_by_role("link", name=link_name, exact=True).get_attribute("href")
    response = page.context.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf", (response.status, href)
    filename = re.search(r"filename\*=UTF-8''(\S+)", response.headers["content-disposition"]).group(1)
    return response.body(), unquote(filename)


def pdf_text(content):
    """The PDF's text without white space: headings are letter-spaced, so pypdf may split them."""
    assert content.startswith(b"%PDF-"), content[:200]
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))
