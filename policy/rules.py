"""The policy engine: what each network's operation policy allows, asked before every action.

Pure Python: no Django, no database, no I/O. The contract is shared/policy/CONTRACT.md and
the rule catalogue shared/policy/MATRIX.md; where we follow a policy's text instead of the
catalogue, docs/policy-notes.md says so.

    check(variant, action, facts) -> list[Violation]   blocks first, then warnings
    profile(variant) -> VariantProfile                  the variant's standing data
    PROFILES                                            live, read-only {key: profile}
    RULES, ACTION_LABELS, rule_table()                  to describe the rules as data
    register_variant(profile, rules) -> undo            add a network without touching the apps

Design: a rule is one `Rule` (its facts, a predicate, a Japanese message) shared by all
variants; whether it exists in a variant, how severe it is and which article says so is
data (the variant's table). Predicates read their parameters (roles, limits, statuses)
from the profile. The only module state is that registry, written at import time and by
`register_variant`.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, NamedTuple

from policy.profiles import BUILTIN, FORM_KINDS, PATIENT_STATUSES, ROLES, SAFEGUARDS, Form, VariantProfile

__all__ = [
    "ACTIONS",
    "ACTION_LABELS",
    "CONSENT_STATES",
    "FORM_KINDS",
    "GROUP_KINDS",
    "MEMBER_KINDS",
    "PATIENT_STATUSES",
    "PLEDGE_STATES",
    "PROFILES",
    "PURPOSES",
    "ROLES",
    "RULES",
    "SAFEGUARDS",
    "VARIANTS",
    "Entry",
    "Form",
    "Rule",
    "VariantProfile",
    "Violation",
    "check",
    "profile",
    "register_variant",
    "rule_table",
]

# The five built-in variants, in MATRIX order. Variants registered later are keys of
# PROFILES too: code that lists every variant should iterate PROFILES.
VARIANTS = ("kumagaya", "musashimurayama", "chuo", "matsubara", "iwakuni")

ACTION_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "submit_application": "利用申込",
        "change_admins": "管理者の付与・取消",
        "activate_staff": "利用者の利用開始",
        "remove_staff": "利用者の削除",
        "record_consent": "患者同意の記録",
        "create_group": "グループの作成",
        "add_member": "グループへの招待",
        "archive_group": "グループの保管",
        "change_patient_care": "患者の連携元・主治医・担当の変更",
        "review_group": "メンバーの定期確認",
        "set_password": "パスワードの設定・確認",
        "register_device": "IT機器の登録・持ち出し",
        "secondary_use": "内容の二次利用",
        "request_deletion": "内容の完全削除の依頼",
        "grant_role": "役割（MCS管理者など）の付与",
    }
)
ACTIONS = tuple(ACTION_LABELS)

BLOCK, WARN = "block", "warn"
Severity = Literal["block", "warn"]

# Allowed values of the str facts.
PLEDGE_STATES = ("signed", "exempt", "none")
GROUP_KINDS = ("patient", "family", "free", "admin_notice")
# Groups without a patient: free groups and the facility administrators' group (施設管理者連絡網).
NO_PATIENT_KINDS = ("free", "admin_notice")
CONSENT_STATES = ("signed", "prior", "none", "withdrawn")
MEMBER_KINDS = ("staff", "patient", "family")
PURPOSES = ("care", "other")


@dataclass(frozen=True)
class Violation:
    """One rule that fired: MATRIX id, "block" or "warn", the article, a Japanese message."""

    rule: str
    severity: Severity
    article: str
    message: str


class Entry(NamedTuple):
    """How a rule applies in one variant."""

    severity: Severity
    article: str


# --- Facts -------------------------------------------------------------------------------

_STRS = "collection of str"  # a list/tuple/set (or any iterable but a str) of str

_FACTS: Mapping[str, object] = {
    "facility_pledge": bool,
    "admin_count": int,
    "emails": _STRS,
    "emails_in_use": _STRS,
    "facility_in_area": bool,
    "out_of_area_reason": str,
    "invited_to_group": bool,
    "facility_approved": bool,
    "pledge": PLEDGE_STATES,
    "training_done": bool,
    "email": str,
    "open_memberships": int,
    "notice_filed": bool,
    "self_withdrawn": bool,
    "devices_returned": bool,
    **{f"by_{role}": bool for role in ROLES},
    "copy_given": bool,
    "home_visit": bool,
    "doctor_deems_necessary": bool,
    "family_signers": int,
    "kind": GROUP_KINDS,
    "consent": CONSENT_STATES,
    "active_groups_for_patient": int,
    "includes_association_admin": bool,
    "patient_linked": bool,
    "member_kind": MEMBER_KINDS,
    "member_active": bool,
    "member_facility_approved": bool,
    "member_pledge": PLEDGE_STATES,
    "member_training_done": bool,
    "family_agreed": bool,
    "days_since_review": int,
    "review_interval_days": int,
    "inactive_members": int,
    "has_association_admin": bool,
    "group_archived": bool,
    "patient_status": PATIENT_STATUSES,
    "password": str,
    "password_length": int,
    "days_since_change": int,
    "taking_out": bool,
    "written_approval": bool,
    "personal_device": bool,
    "device_safeguards": _STRS,
    "disaster_mode": bool,
    "purpose": PURPOSES,
    "provider_permission": bool,
    "manager_permission": bool,
    "anonymized": bool,
    "document_from_other_facility": bool,
    "via_secretariat": bool,
    "by_secretariat": bool,
    "facility_suspended": bool,
    "staff_suspended": bool,
}
_ROLE_FACTS = tuple(f"by_{role}" for role in ROLES)
# Public, read-only: each fact's type (bool, int, str, STRS, or a tuple of allowed values).
FACTS: Mapping[str, object] = MappingProxyType(dict(_FACTS))
STRS = _STRS


def _validated_fact(name, value):
    spec = _FACTS[name]
    if spec is bool:
        if type(value) is bool:
            return value
        expected = "a bool"
    elif spec is int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        expected = "a non-negative int"
    elif spec is str:
        if isinstance(value, str):
            return value
        expected = "a str"
    elif spec is _STRS:
        if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
            items = tuple(value)
            if all(isinstance(item, str) for item in items):
                return items
        expected = "a list or set of str"
    else:
        if isinstance(value, str) and value in spec:
            return value
        expected = f"one of {spec}"
    raise ValueError(f"fact {name!r} must be {expected}, got {value!r}")


# --- Rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A rule of MATRIX.md, the same in every variant that has it.

    `description` says in Japanese when it fires; `facts` are the fact names it reads.
    It is checked only when all of `needs` and (if any) one of `any_of` are given.
    `fires(profile, facts)` returns a falsy value when silent, else a detail that the
    message template may show as {x}; the template also sees {p} (the profile) and
    {form[kind]} (a form's title and number).
    """

    id: str
    action: str
    description: str
    needs: tuple[str, ...]
    fires: Callable[[VariantProfile, Mapping[str, object]], object] = field(repr=False, compare=False)
    message: str = field(repr=False, compare=False)
    any_of: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()

    @property
    def facts(self) -> tuple[str, ...]:
        return self.needs + self.any_of + self.reads

    def applies(self, facts) -> bool:
        return all(n in facts for n in self.needs) and (
            not self.any_of or any(n in facts for n in self.any_of)
        )


def _address_key(address):
    return address.strip().casefold()


def _duplicate_emails(p, f):
    in_use = {_address_key(a) for a in f.get("emails_in_use", ())}
    seen, dups = set(), []
    for address in f["emails"]:
        key = _address_key(address)
        if key and (key in seen or key in in_use) and address.strip() not in dups:
            dups.append(address.strip())
        seen.add(key)
    return "、".join(dups)


# First word of a mailbox that belongs to a facility or department rather than a person.
_SHARED_MAILBOXES = frozenset(
    "info office contact admin mail general support reception desk center team jimu jimukyoku "
    "soumu somu uketsuke kanri honbu renkei webmaster postmaster noreply".split()
)


def _shared_emails(p, f):
    def shared(address):
        local = _address_key(address).partition("@")[0]
        return re.split(r"[._+-]", local)[0].rstrip("0123456789") in _SHARED_MAILBOXES

    return "、".join(a.strip() for a in f["emails"] if shared(a))


def _no_role(roles):
    def fires(p, f):
        return not any(f.get(f"by_{role}") for role in getattr(p, roles))

    return fires


def _pledge_missing(fact):
    def fires(p, f):
        return f[fact] == "none" or (f[fact] == "exempt" and not p.pledge_exemption_allowed)

    return fires


_NOT_CARED_FOR = {"deceased": "亡くなっています", "ended": "療養を終了しています", "transferred": "転居・転院しています"}


def _consent_missing(p, f):
    """Why a patient's information may not be shared (more) in a patient/family group, or ""."""
    if f["kind"] in NO_PATIENT_KINDS:
        return ""
    status = f.get("patient_status", "active")
    if status != "active":
        return f"患者は{_NOT_CARED_FOR[status]}。"
    if f["consent"] == "withdrawn":
        return "患者が同意を撤回しています。"
    if f["consent"] == "none":
        return "患者の同意が記録されていません。"
    if f["consent"] == "prior" and not p.prior_consent_counts:
        return "以前に交わした同意だけでは足りません。"
    return ""


def _not_the_patients_manager(p, f):
    if f.get("by_secretariat"):
        return False
    allowed = {"origin_facility", *p.group_manager_roles}
    return not any(f.get(f"by_{role}") for role in allowed)


def _may_not_archive(p, f):
    return not f.get("by_secretariat") and _no_role("archive_roles")(p, f)


def _member_inactive(p, f):
    return f["member_kind"] == "staff" and (
        f.get("member_active") is False or f.get("member_facility_approved") is False
    )


def _suspended(p, f):
    if f.get("staff_suspended"):
        return "この人は利用停止中です。"
    if f.get("facility_suspended"):
        return "この人の所属事業所は利用停止中です。"
    return ""


_SUSPENSION_FACTS = ("staff_suspended", "facility_suspended")


def _review_overdue(p, f):
    interval = f.get("review_interval_days", p.review_interval_days)
    return f["days_since_review"] if f["days_since_review"] > interval else 0


def _weak_password(p, f):
    password = f["password"]
    has_letter = any(c.isascii() and c.isalpha() for c in password)
    has_digit = any(c.isascii() and c.isdigit() for c in password)
    has_symbol = any(not c.isalnum() and not c.isspace() for c in password)
    if (
        len(password) >= p.password_min_length
        and has_letter
        and has_digit
        and (has_symbol or not p.password_requires_symbol)
    ):
        return ""
    kinds = "英字・数字・記号" if p.password_requires_symbol else "英字と数字"
    return f"{kinds}を混ぜた{p.password_min_length}文字以上"


def _password_overdue(p, f):
    length = len(f["password"]) if "password" in f else f.get("password_length")
    exempt_from = p.password_rotation_exempt_length
    if exempt_from is not None and length is not None and length >= exempt_from:
        return 0
    return p.password_max_age_days if f["days_since_change"] > p.password_max_age_days else 0


def _byod_missing(p, f):
    """What a personal device lacks: the written approval (most policies) or the same safeguards as
    the facility's devices (kumagaya 第9条(9)); nothing in a disaster where the policy allows it."""
    if not f["personal_device"] or (f.get("disaster_mode") and p.byod_allowed_in_disaster):
        return ""
    missing = []
    if p.byod_written_approval and f.get("written_approval") is False:
        missing.append("管理者の書面による承認")
    if p.byod_same_safeguards and "device_safeguards" in f:
        lacking = [SAFEGUARDS[s] for s in p.device_safeguards if s not in f["device_safeguards"]]
        if lacking:
            missing.append("業務用の端末と同じ安全対策（" + "・".join(lacking) + "）")
    return "と".join(missing)


_SECONDARY_USE_NEEDS = {
    "care": (("provider_permission",), "内容の提供者の許可"),
    "other": (
        ("provider_permission", "manager_permission", "anonymized"),
        "患者グループの管理者と内容の提供者の許可、および個人が分からないような抜粋・加工",
    ),
}


def _permission_missing(p, f):
    names, needed = _SECONDARY_USE_NEEDS[f["purpose"]]
    given = [f[n] for n in names if n in f]
    return needed if given and not all(given) else ""


def _rule(id, action, description, needs, fires, message, **extra):
    return Rule(id, action, description, tuple(needs), fires, message, **extra)


_STAFF = "member_kind"
# fmt: off
RULES: tuple[Rule, ...] = (
    # submit_application
    _rule("APP-PLEDGE", "submit_application", "事業所の誓約書に同意していない", ["facility_pledge"],
          lambda p, f: not f["facility_pledge"],
          "{form[facility_pledge]}への同意がありません。内容を確認して同意のうえ、{p.application_receiver}へ"
          "提出してください。"),
    _rule("APP-ADMIN", "submit_application", "管理者に指定された登録者がいない", ["admin_count"],
          lambda p, f: f["admin_count"] < 1,
          "管理者に指定された登録者がいません。登録者の中から{p.admin_label}を指定してください。"),
    _rule("APP-ADMIN-ONE", "submit_application", "管理者が定めの人数より多い", ["admin_count"],
          lambda p, f: f["admin_count"] if f["admin_count"] > p.max_admins else 0,
          "{p.admin_label}が{x}名指定されています。事業所ごとに{p.max_admins}名とされているので、指定を見直すか"
          "事務局に相談してください。"),
    # change_admins: the administrator rules hold at all times, not only at application
    _rule("ROL-ADMIN", "change_admins", "施設に管理者が1人もいなくなる", ["admin_count"],
          lambda p, f: f["admin_count"] < 1,
          "この施設の{p.admin_label}がいなくなります。後任の{p.admin_label}を同じ操作で指定してください。"),
    _rule("ROL-ADMIN-ONE", "change_admins", "施設の管理者が定めの人数と違う", ["admin_count"],
          lambda p, f: f["admin_count"] if f["admin_count"] > p.max_admins else 0,
          "{p.admin_label}は事業所ごとに{p.max_admins}名です（{x}名になります）。交代するときは、今の"
          "{p.admin_label}の取消と後任の指定を同じ操作で行ってください。"),
    _rule("APP-EMAIL-DUP", "submit_application", "メールアドレスが申込の中で重複しているか、すでに使われている",
          ["emails"], _duplicate_emails,
          "メールアドレス {x} が重複しているか、すでに使われています。1人に1つ、本人だけが使うアドレスを登録して"
          "ください。", reads=("emails_in_use",)),
    _rule("APP-EMAIL-SHARED", "submit_application", "事業所・部署の共用アドレスらしいメールアドレスがある",
          ["emails"], _shared_emails,
          "{x} は事業所・部署の共用アドレスのようです。IDには本人だけが使うアドレスを使い、なければ新たに取得して"
          "ください。"),
    _rule("APP-AREA", "submit_application", "対象地域外の事業所で、理由の記入がない", ["facility_in_area"],
          lambda p, f: not f["facility_in_area"] and not f.get("out_of_area_reason", "").strip(),
          "事業所の所在地が{p.service_area}の外です。{p.service_area}内の利用者のケアに関わる理由を記入して"
          "ください。", reads=("out_of_area_reason",)),
    _rule("APP-INVITE", "submit_application", "グループへの招待を受けていない", ["invited_to_group"],
          lambda p, f: not f["invited_to_group"],
          "グループへの招待を受けていません。招待した主治医や事業所を確認してから申し込んでください。"),
    # activate_staff
    _rule("STF-FACILITY", "activate_staff", "所属事業所の利用申込が済んでいない", ["facility_approved"],
          lambda p, f: not f["facility_approved"],
          "所属する事業所の利用申込がまだ済んでいません。{p.application_receiver}への申込が済んでから利用を"
          "始めてください。"),
    _rule("STF-PLEDGE", "activate_staff", "従事者の誓約書がない（省略が認められる場合を除く）", ["pledge"],
          _pledge_missing("pledge"),
          "{form[staff_pledge]}を本人と交わしてから利用を始めてください。{p.pledge_exemption_rule}"),
    _rule("STF-TRAINING", "activate_staff", "利用開始前の研修を受けていない", ["training_done"],
          lambda p, f: not f["training_done"],
          "利用開始前の研修（研修会の受講または講習会ビデオの視聴）が記録されていません。受講してから利用を"
          "始めてください。"),
    _rule("STF-EMAIL-DUP", "activate_staff", "メールアドレスがすでに別のIDで使われている",
          ["email", "emails_in_use"],
          lambda p, f: f["email"].strip() if _address_key(f["email"]) in {
              _address_key(a) for a in f["emails_in_use"]} else "",
          "メールアドレス {x} はすでに別のIDで使われています。本人だけが使う別のアドレスを登録してください。"),
    # remove_staff
    _rule("STF-REMOVE-GROUPS", "remove_staff", "まだ患者グループに参加している", ["open_memberships"],
          lambda p, f: f["open_memberships"],
          "まだ{x}件の患者グループに参加しています。先にグループのメンバーから解除してください。"),
    _rule("STF-REMOVE-NOTICE", "remove_staff", "削除・変更の届出がない", ["notice_filed"],
          lambda p, f: not f["notice_filed"],
          "{form[change_notice]}による届出がまだです。{p.change_notice_rule}"),
    _rule("STF-SELF-WITHDRAW", "remove_staff", "本人が先に自主退会している", ["self_withdrawn"],
          lambda p, f: f["self_withdrawn"],
          "本人が先に自主退会しています。管理者から{p.application_receiver}への届出を速やかに済ませてください。"),
    _rule("STF-DEVICE", "remove_staff", "貸与したIT機器が返却されていない", ["devices_returned"],
          lambda p, f: not f["devices_returned"],
          "貸与したIT機器がまだ返却されていません。本人から機器を回収してください。"),
    # record_consent
    _rule("CNS-OBTAINER", "record_consent", "同意を取得した人が、取得できる立場にない", [],
          _no_role("consent_obtainer_roles"),
          "同意を取得できるのは{p.consent_obtainer_label}です。その立場の人が同意書を取り交わしてください。",
          any_of=_ROLE_FACTS),
    _rule("CNS-COPY", "record_consent", "同意書（写し）を患者・家族に渡していない", ["copy_given"],
          lambda p, f: not f["copy_given"],
          "同意書を患者・家族に渡した記録がありません。{p.consent_custody}"),
    _rule("CNS-TARGET", "record_consent", "訪問診療・往診を受けておらず、主治医も情報共有を必要と認めていない",
          ["home_visit", "doctor_deems_necessary"],
          lambda p, f: not f["home_visit"] and not f["doctor_deems_necessary"],
          "この患者は情報共有の対象（訪問診療・往診を受けている、または主治医が必要と認めた患者）に当たりません。"
          "主治医に確認してください。"),
    _rule("CNS-FAMILY", "record_consent", "同意書に記入した家族が足りない", ["family_signers"],
          lambda p, f: f["family_signers"] < p.consent_min_family_signers,
          "同意書に家族の記入がありません。在宅療養を支える家族を{p.consent_min_family_signers}名以上記入して"
          "もらってください。"),
    # create_group
    _rule("GRP-CONSENT", "create_group",
          "患者の同意がない・撤回された（以前の同意が認められない場合を含む）か、患者が死亡・終了している",
          ["kind", "consent"], _consent_missing,
          "{x}有効な{form[consent]}がある療養中の患者についてだけ、グループを作れます。", reads=("patient_status",)),
    _rule("GRP-MANAGER", "create_group", "作成者が患者グループを管理できる立場にない（自由グループを除く）",
          ["kind"], lambda p, f: f["kind"] not in NO_PATIENT_KINDS and _no_role("group_manager_roles")(p, f),
          "患者グループを作れるのは{p.group_manager_label}です。その立場の人に作成を依頼してください。",
          any_of=_ROLE_FACTS),
    _rule("GRP-DUP", "create_group", "同じ患者のグループがすでにある", ["kind", "active_groups_for_patient"],
          lambda p, f: f["kind"] == "patient" and f["active_groups_for_patient"] >= 1,
          "この患者のグループはすでにあります。1人の患者に複数のグループを作らず、既存のグループを使って"
          "ください。"),
    _rule("GRP-ASSOC-ADMIN", "create_group", "患者グループに医師会管理者が入っていない",
          ["kind", "includes_association_admin"],
          lambda p, f: f["kind"] == "patient" and not f["includes_association_admin"],
          "メンバーに{p.association_admin_label}が入っていません。患者グループには{p.association_admin_label}を"
          "加えてください。"),
    _rule("GRP-FREE-PATIENT", "create_group", "自由グループが患者に結び付いている", ["kind", "patient_linked"],
          lambda p, f: f["kind"] == "free" and f["patient_linked"],
          "自由グループでは患者の個人情報を扱えません。患者についてのやりとりは患者グループで行ってください。"),
    # add_member
    _rule("MBR-ACTIVE", "add_member", "招待する職員が利用中でないか、所属事業所の申込が済んでいない", [_STAFF],
          _member_inactive,
          "招待しようとしている人は利用中でないか、所属事業所の利用申込が済んでいません。その患者のケアに関わる"
          "利用中の人だけを招待してください。", any_of=("member_active", "member_facility_approved")),
    _rule("MBR-PLEDGE", "add_member", "招待する職員の誓約書がない", [_STAFF, "member_pledge"],
          lambda p, f: f[_STAFF] == "staff" and _pledge_missing("member_pledge")(p, f),
          "招待しようとしている人の{form[staff_pledge]}がありません。誓約書を交わしてから招待してください。"),
    _rule("MBR-TRAINING", "add_member", "招待する職員が利用開始前の研修を受けていない",
          [_STAFF, "member_training_done"],
          lambda p, f: f[_STAFF] == "staff" and not f["member_training_done"],
          "招待しようとしている人は利用開始前の研修を済ませていません。受講を記録してから招待してください。"),
    _rule("MBR-FAMILY", "add_member", "患者・家族の参加について関係者の合意がない", [_STAFF, "family_agreed"],
          lambda p, f: f[_STAFF] != "staff" and not f["family_agreed"],
          "患者・家族の参加には、医療・介護の関係者で事前に必要性を話し合った合意が必要です。合意を記録して"
          "から招待してください。"),
    _rule("MBR-STAFF-ONLY", "add_member", "患者・家族を患者グループに招待しようとしている", [_STAFF],
          lambda p, f: f[_STAFF] != "staff",
          "患者グループに招待できるのは、その患者のケアに関わる医療・介護の従事者だけです。患者・家族とは別の"
          "手段で連絡してください。"),
    _rule("MBR-CONSENT", "add_member",
          "患者の同意がない・撤回されたか、患者が死亡・終了している患者グループに招待しようとしている",
          ["kind", "consent"], _consent_missing,
          "{x}この患者の情報を新しいメンバーと共有することはできません。",
          reads=("patient_status",)),
    _rule("MBR-SUSPENDED", "add_member", "招待する職員またはその所属事業所が利用停止中", [], _suspended,
          "{x}停止が解除されるまで、新しくグループに招待できません。", any_of=_SUSPENSION_FACTS),
    # archive_group
    _rule("GRP-ARCHIVER", "archive_group", "グループを保管に移す立場にない", [], _may_not_archive,
          "患者グループを保管に移すのは{p.archive_label}です。{p.archive_label}に依頼してください。",
          any_of=(*_ROLE_FACTS, "by_secretariat")),
    # change_patient_care
    _rule("PAT-CARE-CHANGE", "change_patient_care",
          "連携元事業所・主治医・担当事業所を、患者を受け持つ立場にない人が変えようとしている", [],
          _not_the_patients_manager,
          "連携元事業所・主治医・担当事業所を変えられるのは、連携元事業所と{p.group_manager_label}、事務局です。"
          "連携元事業所に依頼してください。", any_of=(*_ROLE_FACTS, "by_secretariat")),
    # review_group
    _rule("AUD-DUE", "review_group", "前回のメンバー確認から定めの間隔を過ぎている", ["days_since_review"],
          _review_overdue,
          "前回のメンバー確認から{x}日たっています。参加メンバーが今も適切か確認してください。",
          reads=("review_interval_days",)),
    _rule("AUD-INACTIVE", "review_group", "担当を外れた人や利用をやめた人がメンバーに残っている",
          ["inactive_members"], lambda p, f: f["inactive_members"],
          "担当を外れた人や利用をやめた人が{x}人残っています。その人たちをメンバーから解除してください。"),
    _rule("AUD-ASSOC-ADMIN", "review_group", "医師会管理者がメンバーにいない", ["has_association_admin"],
          lambda p, f: not f["has_association_admin"],
          "メンバーに{p.association_admin_label}がいません。{p.association_admin_label}をメンバーに戻して"
          "ください。"),
    _rule("AUD-ARCHIVE", "review_group", "保管に移すべき患者のグループが保管されていない",
          ["group_archived", "patient_status"],
          lambda p, f: not f["group_archived"] and f["patient_status"] in p.archive_statuses,
          "このグループは保管に移す時期です。{p.archive_rule}"),
    # set_password
    _rule("PWD-STRENGTH", "set_password", "パスワードの長さや文字の種類が足りない", ["password"], _weak_password,
          "パスワードが短いか、文字の種類が足りません。{x}にしてください。"),
    _rule("PWD-AGE", "set_password", "パスワードを定めの期間より長く変えていない", ["days_since_change"],
          _password_overdue,
          "前回の変更から{x}日を超えています。パスワードを新しくしてください。",
          reads=("password", "password_length")),
    # register_device
    _rule("DEV-TAKEOUT", "register_device", "持ち出しに書面の承認がない", ["taking_out", "written_approval"],
          lambda p, f: f["taking_out"] and not f["written_approval"],
          "持ち出しの書面による承認がありません。持ち出す情報・媒体・目的・期間を書面で管理者に届け出て、承認を"
          "得てください。"),
    _rule("DEV-BYOD", "register_device",
          "個人所有の端末に、ポリシーが求める書面の承認または安全対策がない（認められる災害時を除く）",
          ["personal_device"], _byod_missing,
          "個人所有の端末を業務に使うには{x}が必要です。そろえてから使ってください。",
          any_of=("written_approval", "device_safeguards"), reads=("disaster_mode",)),
    # secondary_use
    _rule("SEC-NO-COPY", "secondary_use", "内容をMCSの外で使おうとしている", ["purpose"], lambda p, f: True,
          "{p.program_name}の内容はダウンロード・コピー・スクリーンショットで持ち出さないでください。必要な情報は"
          "{p.program_name}の中で確認してください。"),
    _rule("SEC-PERMISSION", "secondary_use", "二次利用に必要な許可（や加工）がない", ["purpose"],
          _permission_missing, "二次利用には{x}が必要です。そろってから利用してください。",
          any_of=("provider_permission", "manager_permission", "anonymized")),
    _rule("SEC-OTHER-DOC", "secondary_use", "他の施設からの情報提供書などの文書を二次利用しようとしている",
          ["document_from_other_facility"], lambda p, f: f["document_from_other_facility"],
          "他の施設から提供された情報提供書などの文書は二次利用できません。必要なら提供元の施設に相談して"
          "ください。"),
    # request_deletion
    _rule("DEL-VIA-SECRETARIAT", "request_deletion", "完全削除を事務局を通さずに行おうとしている",
          ["via_secretariat"], lambda p, f: not f["via_secretariat"],
          "患者・家族から完全削除の希望があったときは、{p.secretariat}に削除を依頼してください。ポータルから"
          "直接は削除できません。"),
    # grant_role
    _rule("ROLE-SUSPENDED", "grant_role", "役割を付与する職員またはその所属事業所が利用停止中", [], _suspended,
          "{x}停止が解除されるまで、新しい役割は付与できません。", any_of=_SUSPENSION_FACTS),
)
# fmt: on

_RULES_BY_ID = {rule.id: rule for rule in RULES}
_RULES_BY_ACTION = {action: tuple(r for r in RULES if r.action == action) for action in ACTIONS}
_ACTION_FACTS = {
    action: frozenset(name for rule in rules for name in rule.facts)
    for action, rules in _RULES_BY_ACTION.items()
}


def action_facts(action: str) -> tuple[str, ...]:
    """The fact names `check` accepts for `action`, in a stable order."""
    if action not in _ACTION_FACTS:
        raise ValueError(f"unknown action {action!r}")
    return tuple(name for name in _FACTS if name in _ACTION_FACTS[action])


# --- Registry ----------------------------------------------------------------------------

_profiles: dict[str, VariantProfile] = {}
_tables: dict[str, dict[str, Entry]] = {}
PROFILES: Mapping[str, VariantProfile] = MappingProxyType(_profiles)

# Profile attributes that say whether a rule exists: registration refuses a profile and
# table that disagree, so the apps (reading the profile) and check() never contradict.
_RULE_FLAGS = (
    (("APP-ADMIN-ONE", "ROL-ADMIN-ONE"), "max_admins", lambda p: p.max_admins is not None),
    (("APP-AREA",), "out_of_area", lambda p: p.out_of_area != "not_written"),
    (("APP-INVITE",), "asks_inviter", lambda p: p.asks_inviter),
    (("STF-PLEDGE", "MBR-PLEDGE"), "staff_pledge_required", lambda p: p.staff_pledge_required),
    (
        ("STF-TRAINING", "MBR-TRAINING"),
        "training_required_before_use",
        lambda p: p.training_required_before_use,
    ),
    (("STF-REMOVE-NOTICE",), "change_notice_required", lambda p: p.change_notice_required),
    (("CNS-COPY",), "consent_copy_required", lambda p: p.consent_copy_required),
    (("CNS-FAMILY",), "consent_min_family_signers", lambda p: p.consent_min_family_signers > 0),
    (("GRP-DUP",), "one_group_per_patient", lambda p: p.one_group_per_patient),
    (
        ("GRP-ASSOC-ADMIN", "AUD-ASSOC-ADMIN"),
        "association_admin_in_group",
        lambda p: p.association_admin_in_group,
    ),
    (("GRP-FREE-PATIENT",), "free_group_patient_forbidden", lambda p: p.free_group_patient_forbidden),
    (("MBR-STAFF-ONLY",), "family_members_allowed", lambda p: not p.family_members_allowed),
    (("AUD-DUE",), "periodic_review", lambda p: p.periodic_review),
    (("AUD-ARCHIVE",), "archive_statuses", lambda p: bool(p.archive_statuses)),
    (("PWD-STRENGTH",), "password_min_length", lambda p: p.password_min_length is not None),
    (("PWD-AGE",), "password_max_age_days", lambda p: p.password_max_age_days is not None),
    (("DEL-VIA-SECRETARIAT",), "deletion_via_secretariat", lambda p: p.deletion_via_secretariat),
    (("GRP-ARCHIVER",), "archive_roles", lambda p: bool(p.archive_roles)),
)
# Forms that a rule's message names.
_RULE_FORMS = {
    "APP-PLEDGE": "facility_pledge",
    "STF-PLEDGE": "staff_pledge",
    "MBR-PLEDGE": "staff_pledge",
    "STF-REMOVE-NOTICE": "change_notice",
    "GRP-CONSENT": "consent",
}


def _inconsistencies(p, table):
    for rule_ids, attribute, expects in _RULE_FLAGS:
        for rule_id in rule_ids:
            if (rule_id in table) != expects(p):
                state = "in" if rule_id in table else "missing from"
                yield f"{attribute}={getattr(p, attribute)!r} but rule {rule_id} is {state} the table"
    for rule_id, kind in _RULE_FORMS.items():
        if rule_id in table and p.forms[kind] is None:
            yield f"rule {rule_id} needs a {kind!r} form"
    for kind in ("facility_pledge", "staff_pledge"):
        if (p.forms[kind] is None) != (getattr(p, f"{kind}_text") is None):
            yield f"{kind}_text must be given exactly when there is a {kind!r} form"
    if p.association_admin_in_group and not p.association_admin_label:
        yield "association_admin_in_group needs association_admin_label"
    if p.admin_notice_group != bool(p.admin_notice_group_name and p.admin_notice_article):
        yield "admin_notice_group needs admin_notice_group_name and admin_notice_article, and only it"


def register_variant(profile: VariantProfile, rules: Mapping[str, tuple[str, str]]) -> Callable[[], None]:
    """Add a variant: its profile and, per rule id, (severity, article). Returns an undo.

    Rules left out do not exist in the variant. Raises ValueError when the key is taken,
    a rule or severity is unknown, or the table disagrees with the profile's flags.
    """
    if not isinstance(profile, VariantProfile):
        raise ValueError(f"expected a VariantProfile, got {profile!r}")
    key = profile.key
    if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise ValueError(f"variant key {key!r} must be lowercase letters, digits and _")
    if key in _profiles:
        raise ValueError(f"variant {key!r} is already registered")
    table = {}
    for rule_id, (severity, article) in rules.items():
        if rule_id not in _RULES_BY_ID:
            raise ValueError(f"variant {key!r}: unknown rule {rule_id!r}")
        if severity not in (BLOCK, WARN) or not isinstance(article, str) or not article.strip():
            raise ValueError(f"variant {key!r}: rule {rule_id} needs ('block' or 'warn', article)")
        table[rule_id] = Entry(severity, article)
    problems = list(_inconsistencies(profile, table))
    if problems:
        raise ValueError(f"variant {key!r}: " + "; ".join(problems))
    _profiles[key] = profile
    _tables[key] = table

    def undo():
        if _profiles.get(key) is profile:
            del _profiles[key], _tables[key]

    return undo


def profile(variant: str) -> VariantProfile:
    """The variant's frozen profile; ValueError naming the variant if it is unknown."""
    try:
        return _profiles[variant]
    except (KeyError, TypeError):
        raise ValueError(f"unknown variant {variant!r}; expected one of {tuple(_profiles)}") from None


# --- Checking ----------------------------------------------------------------------------


def _validated(action, facts):
    if not isinstance(facts, Mapping):
        raise ValueError(f"facts must be a mapping of fact name to value, got {facts!r}")
    known = _ACTION_FACTS[action]
    for name in facts:
        if name not in known:
            raise ValueError(f"unknown fact {name!r} for action {action!r}; expected some of {sorted(known)}")
    return {name: _validated_fact(name, value) for name, value in facts.items()}


def _message(rule, p, article, detail):
    forms = {kind: str(form) for kind, form in p.forms.items() if form}
    body = rule.message.format(p=p, x=detail, form=forms).rstrip("。")
    separator = "" if article.startswith("第") else " "
    return f"{body}（{p.policy_title}{separator}{article}）。"


def check(variant: str, action: str, facts: Mapping[str, object]) -> list[Violation]:
    """The violations of `variant`'s policy if `action` went ahead with these facts.

    Blocks come first, then warnings, each in MATRIX order. A rule is checked only when
    the facts it needs are given, so `check(v, a, {})` is []. Unknown variant, action or
    fact name, or a value of the wrong type, raises ValueError naming it.
    """
    p = profile(variant)
    if action not in _RULES_BY_ACTION:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
    facts = _validated(action, facts)
    table = _tables[variant]
    found = []
    for rule in _RULES_BY_ACTION[action]:
        entry = table.get(rule.id)
        if entry is None or not rule.applies(facts):
            continue
        detail = rule.fires(p, facts)
        if detail:
            found.append(
                Violation(rule.id, entry.severity, entry.article, _message(rule, p, entry.article, detail))
            )
    found.sort(key=lambda v: v.severity != BLOCK)  # stable: MATRIX order within each severity
    return found


def rule_table() -> Iterator[tuple[Rule, dict[str, Entry | None]]]:
    """For each rule in RULES order: the rule and {variant: Entry or None} for every variant."""
    for rule in RULES:
        yield rule, {key: table.get(rule.id) for key, table in _tables.items()}


# --- The five built-in variants ----------------------------------------------------------


def _b(article):
    return BLOCK, article


def _w(article):
    return WARN, article


_ = None
# Columns in VARIANTS order, rows in MATRIX order; departures from MATRIX: docs/policy-notes.md.
_BUILTIN_TABLE = {
    #                     kumagaya            musashimurayama      chuo                 matsubara            iwakuni
    "APP-PLEDGE":        (_b("第6条2"),      _b("第12条1)"),      _,                   _b("第7条"),         _b("第11条")),
    "APP-ADMIN":         (_b("第6条1"),      _b("第13条"),        _b("第四条"),        _b("第11条"),        _b("第15条")),
    "APP-ADMIN-ONE":     (_,                 _,                   _,                   _,                   _w("第15条")),
    "ROL-ADMIN":         (_b("第6条1"),      _b("第13条"),        _b("第四条"),        _b("第11条"),        _b("第15条")),
    "ROL-ADMIN-ONE":     (_,                 _,                   _,                   _,                   _b("第15条")),
    "APP-EMAIL-DUP":     (_b("第8条(2)"),    _b("第21条2)"),      _b("留意事項(3)"),   _b("第15条(2)"),     _b("第19条3)")),
    "APP-EMAIL-SHARED":  (_,                 _,                   _,                   _,                   _w("第19条2)")),
    "APP-AREA":          (_,                 _b("第8条"),         _,                   _w("様式1"),         _b("第8条")),
    "APP-INVITE":        (_w("第6条1"),      _,                   _,                   _,                   _),
    "STF-FACILITY":      (_b("第6条"),       _b("第12条"),        _b("第三条"),        _b("第7条"),         _b("第11条")),
    "STF-PLEDGE":        (_,                 _b("第15条"),        _b("第六条"),        _b("第13条"),        _b("第17条")),
    "STF-TRAINING":      (_,                 _b("第12条3)"),      _,                   _,                   _),
    "STF-EMAIL-DUP":     (_b("第8条(2)"),    _b("第21条2)"),      _b("留意事項(3)"),   _b("第15条(2)"),     _b("第19条3)")),
    "STF-REMOVE-GROUPS": (_b("第10条(5)"),   _b("第16条2)"),      _b("留意事項(2)"),   _b("留意事項(1)"),   _b("留意事項(1)")),
    "STF-REMOVE-NOTICE": (_b("第6条3"),      _w("第12条2)"),      _,                   _,                   _),
    "STF-SELF-WITHDRAW": (_w("第10条(6)"),   _,                   _,                   _,                   _),
    "STF-DEVICE":        (_w("第10条(6)"),   _,                   _w("留意事項(3)"),   _w("留意事項(3)"),   _w("留意事項(3)")),
    "CNS-OBTAINER":      (_b("第4条"),       _b("第19条"),        _b("第九条"),        _b("第10条"),        _b("第14条")),
    "CNS-COPY":          (_,                 _b("第19条"),        _b("第九条"),        _b("第10条"),        _b("第14条")),
    "CNS-TARGET":        (_b("第3条"),       _,                   _,                   _,                   _),
    "CNS-FAMILY":        (_,                 _,                   _,                   _w("様式3"),         _),
    "GRP-CONSENT":       (_b("第4条"),       _b("第19条"),        _b("第九条"),        _b("第10条"),        _b("第14条")),
    "GRP-MANAGER":       (_b("第5条"),       _b("第16条2)"),      _b("第七条"),        _b("第8条"),         _b("第12条")),
    "GRP-DUP":           (_,                 _,                   _,                   _,                   _b("留意事項(1)")),
    "GRP-ASSOC-ADMIN":   (_,                 _,                   _,                   _b("第9条"),         _),
    "GRP-FREE-PATIENT":  (_,                 _b("第17条2)"),      _,                   _,                   _),
    "MBR-ACTIVE":        (_b("第6条"),       _b("第16条4)"),      _b("留意事項(2)"),   _b("留意事項(1)"),   _b("留意事項(1)")),
    "MBR-PLEDGE":        (_,                 _b("第15条"),        _b("第六条"),        _b("第13条"),        _b("第17条")),
    "MBR-TRAINING":      (_,                 _b("第12条3)"),      _,                   _,                   _),
    "MBR-FAMILY":        (_b("第5条(3)"),    _,                   _,                   _,                   _),
    "MBR-STAFF-ONLY":    (_,                 _,                   _b("留意事項(2)"),   _b("留意事項(1)"),   _b("留意事項(1)")),
    "MBR-CONSENT":       (_b("第4条"),       _b("第19条"),        _b("第九条"),        _b("第10条"),        _b("第14条")),
    "MBR-SUSPENDED":     (_b("第6条"),       _b("第11条"),        _b("第三条"),        _b("第7条"),         _b("第10条")),
    "GRP-ARCHIVER":      (_,                 _b("第16条6)"),      _b("留意事項(2)"),   _b("留意事項(2)"),   _b("留意事項(2)")),
    "PAT-CARE-CHANGE":   (_b("第5条"),       _b("第16条2)"),      _b("第七条"),        _b("第8条"),         _b("第12条")),
    "AUD-DUE":           (_,                 _,                   _w("留意事項(2)"),   _w("留意事項(1)"),   _w("留意事項(1)")),
    "AUD-INACTIVE":      (_b("第10条(5)"),   _b("第16条4)"),      _b("留意事項(2)"),   _b("留意事項(1)"),   _b("留意事項(1)")),
    "AUD-ASSOC-ADMIN":   (_,                 _,                   _,                   _b("第9条"),         _),
    "AUD-ARCHIVE":       (_,                 _w("第16条6)"),      _w("留意事項(2)"),   _w("留意事項(2)"),   _w("留意事項(2)")),
    "PWD-STRENGTH":      (_b("第8条(3)"),    _w("第21条3)"),      _,                   _w("第15条(3)"),     _w("第19条4)")),
    "PWD-AGE":           (_b("第8条(3)"),    _w("第21条3)"),      _,                   _w("第15条(3)"),     _w("第19条4)")),
    "DEV-TAKEOUT":       (_b("第9条(8)"),    _,                   _,                   _w("第16条(9)"),     _b("第20条8)")),
    "DEV-BYOD":          (_w("第9条(9)"),    _w("第22条3)"),      _,                   _b("様式4第2条2"),   _b("第20条7)")),
    "SEC-NO-COPY":       (_b("第9条(5)"),    _,                   _,                   _w("第16条(5)"),     _),
    "SEC-PERMISSION":    (_,                 _b("第23条"),        _,                   _,                   _b("第21条")),
    "SEC-OTHER-DOC":     (_,                 _b("第23条"),        _,                   _,                   _b("第21条")),
    "DEL-VIA-SECRETARIAT": (_,               _b("第16条7)"),      _,                   _,                   _),
    "ROLE-SUSPENDED":    (_b("第6条"),       _b("第11条"),        _b("第三条"),        _b("第7条"),         _b("第10条")),
}  # fmt: skip

assert tuple(p.key for p in BUILTIN) == VARIANTS and list(_BUILTIN_TABLE) == [r.id for r in RULES]
assert set(_FACTS) == {name for rule in RULES for name in rule.facts}
for _column, _profile in enumerate(BUILTIN):
    register_variant(
        _profile, {rule_id: row[_column] for rule_id, row in _BUILTIN_TABLE.items() if row[_column]}
    )
