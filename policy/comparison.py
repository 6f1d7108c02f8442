"""Rows for the ポリシー比較 page and a program's own rules, built from the profiles and the rule table.

Nothing here is hand-written per variant: adding a variant (register_variant) adds a column.
"""

from dataclasses import dataclass

from . import rules

SEVERITY_LABELS = {"block": "不可", "warn": "注意"}


@dataclass(frozen=True)
class Cell:
    severity: str | None  # "block", "warn" or None when the rule does not exist in the variant
    article: str = ""

    @property
    def label(self):
        return SEVERITY_LABELS.get(self.severity, "—")


def _yes_no(value):
    return "あり" if value else "なし"


def _form(p, kind):
    form = p.form(kind)
    return f"{form.number} {form.title}" if form else "なし"



# (label, function of the profile) for the standing data rows.
PROFILE_ROWS = (
    ("ネットワーク名", lambda p: p.program_name),
    ("運用ポリシー", lambda p: p.policy_title),
    ("施行日", lambda p: p.effective_date),
    ("申込の受付", lambda p: p.application_receiver),
    ("ポータルでの承認", lambda p: "事務局が承認" if p.secretariat_approves else "届出の記録のみ（承認なし）"),
    ("施設の管理者", lambda p: p.admins_per_facility),
    ("利用申込書", lambda p: _form(p, "application")),
    ("施設の誓約書", lambda p: _form(p, "facility_pledge")),
    ("従事者の誓約書", lambda p: _form(p, "staff_pledge")),
    ("変更の届出", lambda p: _form(p, "change_notice")),
    ("患者同意書", lambda p: _form(p, "consent")),
    ("グループを管理する人", lambda p: p.group_manager_label),
    ("同意を取得する人", lambda p: p.consent_obtainer_label),
    ("以前に得た同意", lambda p: "有効" if p.prior_consent_counts else "無効（改めて取得）"),
    ("同意書の保管", lambda p: p.consent_custody),
    ("利用前の研修", lambda p: "必須" if p.training_required_before_use else "不要（定期的な教育）"),
    ("職員の追加・削除の届出", lambda p: p.change_notice_rule),
    ("定期精査", lambda p: f"あり（{p.review_interval_days}日ごと）" if p.periodic_review else "規定なし"),
    ("保管（アーカイブ）", lambda p: p.archive_rule),
    ("削除依頼", lambda p: "事務局経由" if p.deletion_via_secretariat else "規定なし"),
    ("パスワード", lambda p: p.password_rule),
    ("参加施設一覧の公開", lambda p: _yes_no(p.publishes_facility_list)),
)


def variants():
    return tuple(rules.PROFILES)


def profile_rows(keys):
    profiles = [rules.profile(key) for key in keys]
    return [(label, [value(p) for p in profiles]) for label, value in PROFILE_ROWS]


def rule_sections(keys):
    """[(action label, [(rule, [Cell per variant])])] in MATRIX order."""
    sections = {}
    for rule, entries in rules.rule_table():
        cells = [Cell(*entries[key]) if entries.get(key) else Cell(None) for key in keys]
        sections.setdefault(rule.action, []).append((rule, cells))
    return [(rules.ACTION_LABELS[action], rows) for action, rows in sections.items()]


def variant_rules(key):
    """One variant's rules that exist: [(action label, [(rule, Cell)])]."""
    result = []
    for label, rows in rule_sections((key,)):
        present = [(rule, cells[0]) for rule, cells in rows if cells[0].severity]
        if present:
            result.append((label, present))
    return result
