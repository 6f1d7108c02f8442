import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from policy import rules

pytestmark = pytest.mark.django_db


def test_compare_requires_login(client):
    response = client.get(reverse("policy:compare"))
    assert response.status_code == 302


def test_compare_renders_every_rule_of_every_variant_from_the_table(client, world):
    client.force_login(world.admin_a)
    response = client.get(reverse("policy:compare"))
    assert response.status_code == 200
    body = response.content.decode()
    for key in rules.VARIANTS:
        assert rules.profile(key).program_name in body
    for rule, entries in rules.rule_table():
        assert f"<code>{rule.id}</code>" in body
        for entry in entries.values():
            if entry:
                assert entry.article in body
    # one cell per variant per rule: the table has as many severity cells as the rule table says
    cells = re.findall(r'<td class="sev-(block|warn|none)">', body)
    assert len(cells) == len(rules.RULES) * len(rules.VARIANTS)
    expected_blocks = sum(1 for _, e in rules.rule_table() for v in e.values() if v and v.severity == "block")
    assert cells.count("block") == expected_blocks


def test_compare_grows_a_column_when_a_variant_is_registered(client, world):
    base = rules.profile("matsubara")
    import dataclasses

    sixth = dataclasses.replace(base, key="testshi", program_name="テスト市MCS", policy_title="テスト市MCS運用ポリシー")
    table = {rule.id: (entry.severity, entry.article) for rule, entries in rules.rule_table()
             if (entry := entries["matsubara"])}
    undo = rules.register_variant(sixth, rules=table)
    try:
        client.force_login(world.admin_a)
        body = client.get(reverse("policy:compare")).content.decode()
        assert "テスト市MCS" in body
    finally:
        undo()


def test_program_page_lists_its_own_variant_rules_only(client, world):
    client.force_login(world.secretariat_a)
    body = client.get(reverse("facilities:program-detail", args=[world.program_a.slug])).content.decode()
    own = {rule.id for rule, entries in rules.rule_table() if entries[world.program_a.variant]}
    missing = {rule.id for rule, entries in rules.rule_table() if not entries[world.program_a.variant]}
    for rule_id in own:
        assert f"<code>{rule_id}</code>" in body
    for rule_id in missing:
        assert f"<code>{rule_id}</code>" not in body


def test_policy_check_prints_the_violations_as_a_table(capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("policy_check", "iwakuni", "create_group", "kind=patient", "consent=signed",
                     "by_origin_facility=true", "active_groups_for_patient=1")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "GRP-DUP" in out and "block" in out and "留意事項(1)" in out
    assert "GRP-CONSENT" not in out


def test_policy_check_without_violations_says_so(capsys):
    call_command("policy_check", "chuo", "submit_application", "admin_count=1", "emails=a@x.jp,b@x.jp")
    assert "違反なし" in capsys.readouterr().out


def test_policy_check_warnings_only_exit_zero(capsys):
    call_command("policy_check", "iwakuni", "submit_application", "admin_count=2")
    out = capsys.readouterr().out
    assert "APP-ADMIN-ONE" in out and "warn" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["nowhere", "submit_application"], "nowhere"),
        (["chuo", "fly"], "fly"),
        (["chuo", "submit_application", "admin_count=x"], "admin_count"),
        (["chuo", "submit_application", "facility_pledge=maybe"], "facility_pledge"),
        (["chuo", "submit_application", "colour=red"], "colour"),
        (["chuo", "submit_application", "admin_count"], "key=value"),
    ],
)
def test_policy_check_bad_input_names_it(args, needle):
    with pytest.raises(CommandError, match=needle) as error:
        call_command("policy_check", *args)
    assert error.value.returncode == 2
