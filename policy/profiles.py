"""The standing data of each policy variant: one frozen `VariantProfile` per network.

Pure data, no Django. `policy.rules` registers these five profiles together with their
rule tables and re-exports `profile()` and `PROFILES`; apps import from `policy.rules`.

Where a value is our reading of a policy (the texts are silent or ambiguous), the reason
is in docs/policy-notes.md.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Literal

from .texts import (
    MATSUBARA_APPLICATION_DECLARATION,
    MATSUBARA_CONSENT,
    MATSUBARA_FACILITY_PLEDGE,
    MATSUBARA_STAFF_PLEDGE,
    MODEL_TEXT_NOTE,
)

# Role facts a caller passes as `by_<role>`; profiles list which of them may act.
# Who acts, as the engine's role facts (by_<role>): the patient's doctors and leaders, and the
# facility's MCS administrator (who keeps its IDs and archives its patients' groups in some variants).
ROLES = ("primary_doctor", "doctor_delegate", "origin_facility", "group_leader", "facility_admin")
FORM_KINDS = ("application", "facility_pledge", "staff_pledge", "change_notice", "consent")
PATIENT_STATUSES = ("active", "deceased", "ended", "transferred")
OUT_OF_AREA = ("allowed_with_reason", "warn", "not_written")
# Safeguards of an IT device that the policies name (kumagaya 第9条, matsubara 第16条, iwakuni 第20条).
SAFEGUARDS = MappingProxyType({
    "boot_lock": "起動時のパスワード（ロック）",
    "no_file_sharing": "ファイル交換ソフトを入れない",
    "antivirus": "ウイルス対策ソフト",
    "no_saved_password": "ブラウザにIDやパスワードを記憶させない",
    "remote_wipe": "リモートワイプ（遠隔消去）",
    "line_stop": "緊急回線停止",
    "mdm": "端末管理（MDM）",
})


@dataclass(frozen=True)
class Form:
    """A form (様式) as the policy names it: number like "様式2" or "様式第1号", and title."""

    number: str
    title: str

    def __str__(self):
        return f"{self.title}（{self.number}）"


@dataclass(frozen=True)
class VariantProfile:
    """Everything the apps may know about one variant. Texts are Japanese, for users.

    Identity: `key`, `program_name`, `policy_title` (the document, cited in messages),
    `effective_date` (the version in force), `municipality`, `service_area` (the area the
    policy covers, e.g. 岩国医療圏), `secretariat` (who runs the network day to day).

    Applications: `application_receiver` (who receives them), `secretariat_approves`
    (False: registration is only recorded), `admin_label` (the per-facility MCS administrator),
    `admins_per_facility` (text), `max_admins` (None: no upper limit), `out_of_area`
    (one of OUT_OF_AREA), `asks_inviter` (the application asks who invited the facility).

    Forms: `forms` maps every kind in FORM_KINDS to a `Form` or None; `form(kind)`.

    Consent and groups: `group_manager_roles` / `consent_obtainer_roles` (subsets of ROLES)
    with their `*_label`; `prior_consent_counts`, `consent_copy_required`,
    `consent_min_family_signers`, `consent_custody` (one sentence, for staff) and
    `consent_custody_for_patient` (printed on the consent form); `one_group_per_patient`,
    `association_admin_in_group` and `association_admin_label`, `family_members_allowed`
    (patients/families may be members of a patient group), `free_groups_allowed`,
    `free_group_patient_forbidden`.

    Staff: `staff_pledge_required`, `pledge_exemption_allowed`, `pledge_exemption_rule`
    (one sentence, "" when none), `training_required_before_use`, `change_notice_required`,
    `change_notice_rule` (one sentence); `details_change_on_notice` (a change of the facility's
    registered details or of a person's name, e-mail, 職種 or administrator flag is a 変更 line of
    the change notice too, not only additions and removals) with `details_change_article`.

    Upkeep: `periodic_review`, `review_interval_days` (the portal's default interval),
    `archive_statuses` (patient statuses that call for archiving), `archive_rule` (one
    sentence), `archive_roles` (who moves a group to 保管; empty: the policy names nobody) with
    `archive_label`, `deletion_via_secretariat`.

    Passwords and devices: `password_rule` (text), `password_binding` (the policy obliges
    rather than recommends), `password_min_length` (None: no rule), `password_requires_symbol`,
    `password_max_age_days` (None: no rotation rule), `password_rotation_exempt_length`
    (passwords this long need no rotation; None: never exempt), `byod_allowed_in_disaster`.

    Publicity: `publishes_facility_list`, `admin_notice_group` (the network keeps a group of every
    facility administrator in MCS for its notices) with `admin_notice_group_name` (the group's name
    as the policy gives it) and `admin_notice_article`; both "" where there is no such group.

    Pledges: `facility_pledge_text` / `staff_pledge_text`, numbered clauses, or None where
    the variant has no such form.

    Devices: `device_safeguards` (keys of SAFEGUARDS the policy names for devices used for MCS)
    and `device_safeguards_article`; `byod_written_approval` (a personal device needs the
    administrator's written approval), `byod_same_safeguards` (a personal device needs the same
    safeguards instead), `disaster_article` (the article that lets unregistered devices be used
    in a disaster; "" where there is none; see `byod_allowed_in_disaster`).

    Oversight: `guidance_body` (who may caution or guide a user, 注意・指導) and
    `guidance_article` (the article that says so; "" where the text is silent and the
    secretariat acts as the network's operator).

    Suspension: `admin_restricts_staff_article` is the article that gives the facility's MCS管理者
    the power to restrict or forbid one user's use (「利用を制限もしくは禁止する権限」); "" where
    the text gives it to nobody but the secretariat. `suspension_article` is what a suspension by
    the secretariat cites by default: the guidance article, else the article on approving use.
    """

    key: str
    program_name: str
    policy_title: str
    effective_date: date
    municipality: str
    service_area: str
    secretariat: str
    application_receiver: str
    secretariat_approves: bool
    admin_label: str
    admins_per_facility: str
    max_admins: int | None
    out_of_area: Literal["allowed_with_reason", "warn", "not_written"]
    asks_inviter: bool
    forms: Mapping[str, Form | None]
    group_manager_roles: tuple[str, ...]
    group_manager_label: str
    consent_obtainer_roles: tuple[str, ...]
    consent_obtainer_label: str
    prior_consent_counts: bool
    consent_copy_required: bool
    consent_min_family_signers: int
    consent_custody: str
    one_group_per_patient: bool
    association_admin_in_group: bool
    association_admin_label: str
    family_members_allowed: bool
    free_groups_allowed: bool
    free_group_patient_forbidden: bool
    staff_pledge_required: bool
    pledge_exemption_allowed: bool
    pledge_exemption_rule: str
    training_required_before_use: bool
    change_notice_required: bool
    change_notice_rule: str
    periodic_review: bool
    review_interval_days: int
    archive_statuses: tuple[str, ...]
    archive_rule: str
    deletion_via_secretariat: bool
    password_rule: str
    password_binding: bool
    password_min_length: int | None
    password_requires_symbol: bool
    password_max_age_days: int | None
    password_rotation_exempt_length: int | None
    byod_allowed_in_disaster: bool
    publishes_facility_list: bool
    admin_notice_group: bool
    admin_notice_group_name: str
    admin_notice_article: str
    facility_pledge_text: tuple[str, ...] | None
    staff_pledge_text: tuple[str, ...] | None
    guidance_body: str
    guidance_article: str
    device_safeguards: tuple[str, ...]
    device_safeguards_article: str
    byod_written_approval: bool
    byod_same_safeguards: bool
    disaster_article: str
    archive_roles: tuple[str, ...] = ()
    archive_label: str = ""
    details_change_on_notice: bool = False
    details_change_article: str = ""
    # Examples on the forms (郵便番号, 電話番号) from the network's own area, not another city's.
    example_postal_code: str = ""
    example_phone: str = ""
    admin_restricts_staff_article: str = ""
    suspension_article: str = ""
    # Wording the policy gives in full (policy/texts.py); elsewhere the portal's model text.
    consent_text: Mapping | None = None
    # What the consent form tells the patient about the paper (who keeps it, their copy), in
    # words addressed to them; "" where the policy says nothing, and the form says nothing.
    # `consent_custody` is the staff's version, shown on the screens only.
    consent_custody_for_patient: str = ""
    application_declaration: str = ""
    own_texts: tuple[str, ...] = ()

    def model_text_note(self, kind):
        """The note marking this form's default wording as the portal's model ("" where the policy's own)."""
        return "" if kind in self.own_texts else MODEL_TEXT_NOTE

    def __post_init__(self):
        unknown = set(self.forms) - set(FORM_KINDS)
        if unknown:
            raise ValueError(f"profile {self.key!r}: unknown form kind(s) {sorted(unknown)}")
        # A read-only mapping with every kind present, so apps never meet a KeyError.
        forms = MappingProxyType({kind: self.forms.get(kind) for kind in FORM_KINDS})
        object.__setattr__(self, "forms", forms)
        if set(self.archive_roles) - set(ROLES):
            raise ValueError(f"profile {self.key!r}: archive_roles must be a tuple from {ROLES}")
        for name in ("group_manager_roles", "consent_obtainer_roles"):
            roles = getattr(self, name)
            if not isinstance(roles, tuple) or not roles or set(roles) - set(ROLES):
                raise ValueError(f"profile {self.key!r}: {name} must be a non-empty tuple from {ROLES}")
        if not isinstance(self.archive_statuses, tuple) or set(self.archive_statuses) - set(PATIENT_STATUSES):
            raise ValueError(
                f"profile {self.key!r}: archive_statuses must be a tuple from {PATIENT_STATUSES}"
            )
        if not isinstance(self.device_safeguards, tuple) or set(self.device_safeguards) - set(SAFEGUARDS):
            raise ValueError(f"profile {self.key!r}: device_safeguards must be a tuple from {tuple(SAFEGUARDS)}")
        if self.byod_allowed_in_disaster != bool(self.disaster_article):
            raise ValueError(f"profile {self.key!r}: byod_allowed_in_disaster needs disaster_article and only then")
        if self.out_of_area not in OUT_OF_AREA:
            raise ValueError(f"profile {self.key!r}: out_of_area must be one of {OUT_OF_AREA}")

    def form(self, kind: str) -> Form | None:
        """The variant's form of this kind (one of FORM_KINDS), or None if it has none."""
        if kind not in FORM_KINDS:
            raise ValueError(f"unknown form kind {kind!r}; expected one of {FORM_KINDS}")
        return self.forms[kind]


def _numbered(clauses):
    return tuple(f"第{i}条{clause}" for i, clause in enumerate(clauses, 1))


def _facility_pledge(*, program, policy, duties):
    """Our plain-language facility pledge, shaped like matsubara's 連携守秘誓約書 (様式2)."""
    return _numbered(
        (
            f"（連携情報の保持）私は、{program}を利用する事業所の管理者として、従事者が法令と「{policy}」を"
            "守り、患者・家族や連携に関わる人の個人情報、連携の中で知った情報、その他業務に関連して知った"
            "情報を、許可なく開示・漏えい・使用しないよう管理することを誓約します。",
            "（連携情報の管理）私は、従事者が連携情報（紙・電子データとも）を許可なく複写・持ち出し・"
            "外部送信しないよう注意し、業務で使う機器を運用ポリシーに沿って管理します。",
            "（教育）私は、従事者に個人情報保護とIT機器のセキュリティについて定期的に教育を行います。",
            *duties,
            "（目的外利用の禁止）私は、連携情報を連携業務の外で使わせず、患者その他の第三者のプライバシー"
            "その他の権利を侵害する行為を一切させません。",
            "（離脱後の保持）私は、連携を離れた後も、連携情報を許可なく開示・漏えい・使用しません。",
            "（違反したとき）私は、この誓約書に違反したときは、誠意をもって協議します。",
        )
    )


def _staff_pledge(*, program, policy, article):
    """Our plain-language staff pledge: the five points the variants' articles list, plus the policy."""
    return _numbered(
        (
            "（業務情報の保持）私は、就業規則やマニュアルなどの諸規定を守り、患者等の個人情報だけでなく、"
            "事業所内で知った業務に関する一切の情報を、許可なく漏えいしません。",
            "（退職後の保持）私は、退職した後も、業務で知った情報を漏えいしません。",
            "（IT機器の取扱い）私は、業務で使うIT機器を適切に取り扱い、管理します。",
            "（目的外利用の禁止）私は、事業者が定めた利用目的の外で情報を使いません。",
            "（権利の尊重）私は、患者その他の第三者のプライバシーその他の権利を侵害する行為を一切しません。",
            f"（運用ポリシーの遵守）私は、「{policy}」（{article}）を守って{program}を利用します。",
        )
    )


KUMAGAYA = VariantProfile(
    key="kumagaya",
    program_name="くまねっとMCS",
    policy_title="くまねっとMCS運用ポリシー",
    effective_date=date(2023, 1, 27),
    municipality="熊谷市",
    service_area="熊谷市",
    secretariat="熊谷市在宅医療支援センター",
    application_receiver="熊谷市在宅医療支援センター",
    secretariat_approves=True,
    admin_label="事業所等の管理者",
    admins_per_facility="事業所等の管理者が利用者のIDを取得・管理します（人数の定めはありません）。",
    max_admins=None,
    out_of_area="not_written",
    asks_inviter=True,
    forms={
        "application": Form("様式2", "くまねっとMCS利用申込書兼変更届"),
        "facility_pledge": Form("様式3", "くまねっとMCSの利用に係る誓約書"),
        "change_notice": Form("様式2", "くまねっとMCS利用申込書兼変更届"),
        "consent": Form("様式1", "在宅医療における個人情報使用同意書"),
    },
    group_manager_roles=("primary_doctor", "doctor_delegate"),
    group_manager_label="主治医、または主治医から委託された事業所",
    consent_obtainer_roles=("primary_doctor", "origin_facility"),
    consent_obtainer_label="主治医、または連携元となる事業所",
    prior_consent_counts=False,
    consent_copy_required=False,
    consent_min_family_signers=0,
    consent_custody="患者または家族に説明し、同意書に記入してもらいます（控えの扱いは定めがありません）。",
    # 第4条 says only that the form is explained and filled in: nothing about the copy to print for the patient.
    consent_custody_for_patient="",
    one_group_per_patient=False,
    association_admin_in_group=False,
    association_admin_label="",
    family_members_allowed=True,
    free_groups_allowed=False,
    free_group_patient_forbidden=False,
    staff_pledge_required=False,
    pledge_exemption_allowed=False,
    pledge_exemption_rule="",
    training_required_before_use=False,
    change_notice_required=True,
    change_notice_rule="使わなくなった利用者は、本人が自主退会する前に、事業所等の管理者が熊谷市在宅医療支援センター"
    "へ速やかに届け出てください。",
    # 様式2 is the 利用申込書兼変更届: what the application said is changed on the same form, and
    # 第6条3 asks for 「利用者の削除又は変更」, not removals only (第6条4 applies 1-2 to it).
    details_change_on_notice=True,
    details_change_article="第6条第3項・第4項",
    periodic_review=False,
    review_interval_days=180,
    archive_statuses=(),
    archive_rule="グループの保管についての定めはありません。",
    deletion_via_secretariat=False,
    password_rule="英字・数字・記号を混ぜて13文字以上。または8文字以上にして、最長2か月以内ごとに必ず変更します。",
    password_binding=True,
    password_min_length=8,
    password_requires_symbol=True,
    password_max_age_days=60,
    password_rotation_exempt_length=13,
    byod_allowed_in_disaster=False,
    publishes_facility_list=False,
    admin_notice_group=False,
    admin_notice_group_name="",
    admin_notice_article="",
    facility_pledge_text=_facility_pledge(
        program="くまねっとMCS",
        policy="くまねっとMCS運用ポリシー",
        duties=(
            "（IDと届出）私は、利用者ごとにIDを取得・管理して複数人で共有させず、利用者が異動・退職などで"
            "使わなくなったときは、熊谷市在宅医療支援センターへ速やかに届け出ます（第6条・第8条）。",
            "（IT機器）私は、利用するIT機器を管理し、情報や機器の持ち出しは書面による届出と承認のうえで"
            "認めます（第7条・第9条）。",
        ),
    ),
    staff_pledge_text=None,
    guidance_body="熊谷市在宅医療支援センター",
    guidance_article="",
    device_safeguards=("boot_lock", "no_file_sharing", "antivirus", "no_saved_password", "remote_wipe", "line_stop"),
    device_safeguards_article="第9条",
    byod_written_approval=False,
    byod_same_safeguards=True,
    disaster_article="",
    example_postal_code="360-0001",
    example_phone="048-123-4567",
    suspension_article="第6条",
)

MUSASHIMURAYAMA = VariantProfile(
    key="musashimurayama",
    program_name="武蔵村山市MCS",
    policy_title="武蔵村山市MCS運用ポリシー",
    effective_date=date(2019, 1, 28),
    municipality="武蔵村山市",
    service_area="武蔵村山市",
    secretariat="武蔵村山市医師会事務局",
    application_receiver="武蔵村山市医師会 在宅医療委員会",
    secretariat_approves=True,
    admin_label="武蔵村山市MCS管理者",
    admins_per_facility="施設又は組織の長が武蔵村山市MCS管理者を置きます（人数の定めはありません）。",
    max_admins=None,
    out_of_area="allowed_with_reason",
    asks_inviter=False,
    forms={
        "application": Form("様式1", "利用申込書"),
        "facility_pledge": Form("様式2", "施設又は組織誓約書"),
        "change_notice": Form("様式3", "従事者登録変更通知書"),
        "staff_pledge": Form("様式4", "従事者誓約書"),
        "consent": Form("様式5", "患者同意書"),
    },
    group_manager_roles=("primary_doctor", "doctor_delegate"),
    group_manager_label="主治医、または主治医の指示を受けた多職種",
    consent_obtainer_roles=("primary_doctor", "doctor_delegate"),
    consent_obtainer_label="主治医、または主治医の指示を受けた多職種",
    prior_consent_counts=True,
    consent_copy_required=True,
    consent_min_family_signers=0,
    consent_custody="同意書は取得した人が保管し、そのコピーを患者または家族に渡します。",
    consent_custody_for_patient="この同意書は説明した事業所が保管し、その写しを患者さんまたはご家族にお渡しします。",
    one_group_per_patient=False,
    association_admin_in_group=False,
    association_admin_label="",
    family_members_allowed=True,
    free_groups_allowed=True,
    free_group_patient_forbidden=True,
    staff_pledge_required=True,
    pledge_exemption_allowed=True,
    pledge_exemption_rule="既に個人情報保護に関する誓約書を交わしている場合は省略できます。",
    training_required_before_use=True,
    change_notice_required=True,
    change_notice_rule="従事者の追加・削除は施設の管理者が行い、済んだら在宅医療委員会へ通知してください。",
    periodic_review=False,
    review_interval_days=180,
    archive_statuses=("deceased",),
    archive_rule="患者が亡くなった場合は、主治医が適切な時期に患者タイムラインを保管リストへ移します。",
    archive_roles=("primary_doctor",),
    archive_label="主治医",
    suspension_article="第11条",
    deletion_via_secretariat=True,
    password_rule="英字と数字を混ぜて8文字以上にし、数か月に1回は必ず変更することが推奨されています。",
    password_binding=False,
    password_min_length=8,
    password_requires_symbol=False,
    password_max_age_days=90,
    password_rotation_exempt_length=None,
    byod_allowed_in_disaster=True,
    publishes_facility_list=True,
    admin_notice_group=True,
    admin_notice_group_name="武蔵村山市MCS施設管理者",
    admin_notice_article="第25条",
    facility_pledge_text=_facility_pledge(
        program="武蔵村山市MCS",
        policy="武蔵村山市MCS運用ポリシー",
        duties=(
            "（管理者と従事者の誓約）私は、武蔵村山市MCS管理者を置き、利用する従事者と個人情報保護に関する"
            "誓約書を交わします（第13条・第15条）。",
            "（従事者の登録と研修）私は、従事者の追加・削除を行ったときは在宅医療委員会へ通知し、利用開始前"
            "に研修会の受講または講習会ビデオの視聴をさせます（第12条）。",
        ),
    ),
    staff_pledge_text=_staff_pledge(
        program="武蔵村山市MCS", policy="武蔵村山市MCS運用ポリシー", article="第15条"
    ),
    guidance_body="武蔵村山市医師会 在宅医療委員会",
    guidance_article="第11条",
    device_safeguards=("boot_lock",),
    device_safeguards_article="第21条6)",
    byod_written_approval=True,
    byod_same_safeguards=False,
    disaster_article="第27条",
    example_postal_code="208-0001",
    example_phone="042-123-4567",
)

CHUO = VariantProfile(
    key="chuo",
    program_name="中央区MCS",
    policy_title="中央区MCS運用ポリシー",
    effective_date=date(2025, 3, 1),
    municipality="中央区",
    service_area="中央区",
    secretariat="中央区在宅療養支援協議会",
    application_receiver="エンブレース株式会社（各事業所が同社のMCSサイトで直接申し込みます）",
    secretariat_approves=False,
    admin_label="MCS管理者",
    admins_per_facility="事業所管理者がMCS管理者を置きます（人数の定めはありません）。",
    max_admins=None,
    out_of_area="not_written",
    asks_inviter=False,
    forms={
        "staff_pledge": Form("様式第1号", "業務情報保持に関する誓約書"),
        "consent": Form("様式第2号", "在宅療養における個人情報使用同意書"),
    },
    group_manager_roles=("group_leader",),
    group_manager_label="患者グループ連携リーダー",
    consent_obtainer_roles=("group_leader",),
    consent_obtainer_label="患者グループ連携リーダー",
    prior_consent_counts=True,
    consent_copy_required=True,
    consent_min_family_signers=0,
    consent_custody="写しを患者または家族に渡し、原本は患者グループ連携リーダーの所属事業所が保管します。",
    consent_custody_for_patient="この同意書の写しを患者さんまたはご家族にお渡しし、原本は患者グループ連携リーダーの"
    "所属する事業所が保管します。",
    one_group_per_patient=False,
    association_admin_in_group=False,
    association_admin_label="",
    family_members_allowed=False,
    free_groups_allowed=False,
    free_group_patient_forbidden=False,
    staff_pledge_required=True,
    pledge_exemption_allowed=True,
    pledge_exemption_rule="既に守秘義務に関する誓約書を交わしている場合は省略できます。",
    training_required_before_use=False,
    change_notice_required=False,
    change_notice_rule="事業所内のスタッフ登録・削除はMCS管理者が行い、事務局への届出はいりません。",
    periodic_review=True,
    review_interval_days=180,
    archive_statuses=("deceased", "ended"),
    archive_rule="MCSを利用しなくなった患者のグループは、患者グループ連携リーダーが保管機能で速やかに保管庫へ"
    "移します。",
    archive_roles=("group_leader",),
    archive_label="患者グループ連携リーダー",
    admin_restricts_staff_article="留意事項(1)",
    suspension_article="第三条",
    deletion_via_secretariat=False,
    password_rule="定めはありません（IDやパスワードを本人以外に使わせないこと）。",
    password_binding=False,
    password_min_length=None,
    password_requires_symbol=False,
    password_max_age_days=None,
    password_rotation_exempt_length=None,
    byod_allowed_in_disaster=False,
    publishes_facility_list=False,
    admin_notice_group=False,
    admin_notice_group_name="",
    admin_notice_article="",
    facility_pledge_text=None,
    staff_pledge_text=_staff_pledge(program="中央区MCS", policy="中央区MCS運用ポリシー", article="第六条"),
    guidance_body="中央区在宅療養支援協議会",
    guidance_article="",
    device_safeguards=(),
    device_safeguards_article="",
    byod_written_approval=False,
    byod_same_safeguards=False,
    disaster_article="",
    example_postal_code="104-0061",
    example_phone="03-1234-5678",
)

MATSUBARA = VariantProfile(
    key="matsubara",
    program_name="m@tsuネット",
    policy_title="m@tsuネット運用ポリシー",
    effective_date=date(2020, 4, 1),
    municipality="松原市",
    service_area="松原市",
    secretariat="松原市医師会",
    application_receiver="松原市医師会",
    secretariat_approves=True,
    admin_label="m@tsuネット管理者",
    admins_per_facility="事業所ごとにm@tsuネット管理者を1名以上置きます。",
    max_admins=None,
    out_of_area="warn",
    asks_inviter=False,
    # Titles as printed on the forms the policy attaches; the articles call them
    # 利用申込書, 連携守秘誓約書, 患者同意書 and 従事者誓約書.
    forms={
        "application": Form("様式1", "m@tsuネット利用申込書"),
        "facility_pledge": Form("様式2", "m@tsuネット利用に係る連携守秘誓約書"),
        "staff_pledge": Form("様式4", "業務情報保持に関する誓約書"),
        "consent": Form("様式3", "在宅医療における個人情報使用同意書"),
    },
    group_manager_roles=("origin_facility",),
    group_manager_label="連携元事業所",
    consent_obtainer_roles=("origin_facility",),
    consent_obtainer_label="連携元事業所",
    prior_consent_counts=False,
    consent_copy_required=True,
    consent_min_family_signers=1,
    consent_custody="同意書は患者・家族と連携元事業所の双方が1部ずつ持ちます。",
    consent_custody_for_patient="この同意書は、患者さん・ご家族と連携元事業所が1部ずつ持ちます。",
    one_group_per_patient=False,
    association_admin_in_group=True,
    association_admin_label="医師会管理者",
    family_members_allowed=False,
    free_groups_allowed=True,
    free_group_patient_forbidden=False,
    staff_pledge_required=True,
    pledge_exemption_allowed=True,
    pledge_exemption_rule="既に守秘義務に関する誓約書を交わしている場合は省略できます。",
    training_required_before_use=False,
    change_notice_required=False,
    change_notice_rule="事業所内のスタッフ登録・削除はm@tsuネット管理者が行い、医師会への届出はいりません。",
    periodic_review=True,
    review_interval_days=180,
    archive_statuses=("deceased", "ended"),
    archive_rule="m@tsuネットを利用しなくなった患者のグループは、m@tsuネット管理者が保管機能で速やかに保管庫へ"
    "移します。",
    archive_roles=("facility_admin",),
    archive_label="m@tsuネット管理者",
    admin_restricts_staff_article="留意事項(2)",
    suspension_article="第7条",
    deletion_via_secretariat=False,
    password_rule="英字と数字を混ぜて8文字以上にし、最長で2か月に1回は必ず変更することが推奨されています。",
    password_binding=False,
    password_min_length=8,
    password_requires_symbol=False,
    password_max_age_days=60,
    password_rotation_exempt_length=None,
    byod_allowed_in_disaster=False,
    publishes_facility_list=False,
    admin_notice_group=False,
    admin_notice_group_name="",
    admin_notice_article="",
    # The policy gives these forms' full wording (別紙様式1-4): word for word, OCR slips mended.
    facility_pledge_text=MATSUBARA_FACILITY_PLEDGE,
    staff_pledge_text=MATSUBARA_STAFF_PLEDGE,
    consent_text=MATSUBARA_CONSENT,
    application_declaration=MATSUBARA_APPLICATION_DECLARATION,
    own_texts=("application", "facility_pledge", "staff_pledge", "consent"),
    guidance_body="松原市医師会",
    guidance_article="",
    device_safeguards=tuple(SAFEGUARDS),
    device_safeguards_article="第16条",
    byod_written_approval=True,
    byod_same_safeguards=False,
    disaster_article="",
    example_postal_code="580-0001",
    example_phone="072-123-4567",
)

IWAKUNI = VariantProfile(
    key="iwakuni",
    program_name="いつつばし連絡帳",
    policy_title="いつつばし連絡帳運用規程",
    effective_date=date(2019, 2, 8),  # last revision; first in force 2017-04-01
    municipality="岩国市",
    service_area="岩国医療圏",
    secretariat="いつつばし連絡帳事務局（岩国市医師会事務局内）",
    application_receiver="いつつばし連絡帳事務局（岩国市医師会事務局内）",
    secretariat_approves=True,
    admin_label="いつつばし連絡帳管理者",
    admins_per_facility="事業所ごとにいつつばし連絡帳管理者を必ず1名置きます。",
    max_admins=1,
    out_of_area="allowed_with_reason",
    asks_inviter=False,
    forms={
        "application": Form("様式1", "いつつばし連絡帳利用申込書"),
        "facility_pledge": Form("様式2", "いつつばし連絡帳（MCS）利用に係る連携守秘誓約書"),
        "staff_pledge": Form("様式3", "業務情報保持に関する誓約書"),
        "consent": Form("様式4", "在宅医療における個人情報使用同意書"),
    },
    group_manager_roles=("origin_facility",),
    group_manager_label="連携元事業所",
    consent_obtainer_roles=("origin_facility",),
    consent_obtainer_label="連携元事業所",
    prior_consent_counts=False,
    consent_copy_required=True,
    consent_min_family_signers=0,
    consent_custody="同意書は患者・家族と連携元事業所の双方が1部ずつ持ちます。",
    consent_custody_for_patient="この同意書は、患者さん・ご家族と連携元事業所が1部ずつ持ちます。",
    one_group_per_patient=True,
    association_admin_in_group=False,
    association_admin_label="",
    family_members_allowed=False,
    free_groups_allowed=False,
    free_group_patient_forbidden=False,
    staff_pledge_required=True,
    pledge_exemption_allowed=True,
    pledge_exemption_rule="既に守秘義務に関する誓約書を交わしている場合は省略できます。",
    training_required_before_use=False,
    change_notice_required=False,
    change_notice_rule="事業所内のスタッフ登録・削除はいつつばし連絡帳管理者が行い、事務局への届出はいりません"
    "（トラブルは事務局へ連絡します）。",
    periodic_review=True,
    review_interval_days=180,
    archive_statuses=("deceased", "ended", "transferred"),
    # 別紙「MCS利用上の留意事項」(2) says MCS管理者; 第18条 names that role いつつばし連絡帳（MCS）管理者,
    # the one 第15条 sets up as いつつばし連絡帳管理者 (admin_label): one role, called by its name.
    archive_rule="事業所として担当しなくなった患者のグループは、いつつばし連絡帳管理者が保管機能で速やかに保管庫へ移します。",
    archive_roles=("facility_admin",),
    archive_label="いつつばし連絡帳管理者",
    admin_restricts_staff_article="留意事項(2)",
    suspension_article="第10条",
    deletion_via_secretariat=False,
    password_rule="英字と数字を混ぜて8文字以上にし、数か月に1回は必ず変更することが推奨されています。",
    password_binding=False,
    password_min_length=8,
    password_requires_symbol=False,
    password_max_age_days=90,
    password_rotation_exempt_length=None,
    byod_allowed_in_disaster=True,
    publishes_facility_list=True,
    admin_notice_group=True,
    admin_notice_group_name="いつつばし連絡帳施設管理者",
    admin_notice_article="第23条",
    facility_pledge_text=_facility_pledge(
        program="いつつばし連絡帳",
        policy="いつつばし連絡帳運用規程",
        duties=(
            "（管理者と従事者の誓約）私は、事業所ごとにいつつばし連絡帳管理者を1名置き、利用する従事者と守秘義務"
            "に関する誓約書を交わします（第15条・第17条）。",
            "（IT機器）私は、事業所で管理する機器を使わせ、個人所有の機器の利用や情報の持ち出しは書面による承認の"
            "うえで認めます（第20条）。",
        ),
    ),
    staff_pledge_text=_staff_pledge(
        program="いつつばし連絡帳", policy="いつつばし連絡帳運用規程", article="第17条"
    ),
    guidance_body="いつつばしネット協議会",
    guidance_article="第10条",
    device_safeguards=tuple(SAFEGUARDS),
    device_safeguards_article="第20条",
    byod_written_approval=True,
    byod_same_safeguards=False,
    disaster_article="第25条",
    example_postal_code="740-0001",
    example_phone="0827-12-3456",
)

BUILTIN = (KUMAGAYA, MUSASHIMURAYAMA, CHUO, MATSUBARA, IWAKUNI)
