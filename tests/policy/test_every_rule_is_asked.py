"""Every rule of the engine is asked by at least one service (issue 16: "each program page says
every rule is checked before each action").

Read from the apps' source, not by running them: an app asks a rule when it calls
`check(..., "<action>", ...)` or `policy_check(..., "<action>", ...)` with the rule's action as a
literal, and names every fact the rule needs (and one of its `any_of`) somewhere in its code, as
a string, a keyword argument, or the constant start of an f-string (f"by_{role}").
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

from policy.rules import RULES

ASKERS = {"check", "policy_check"}


def _our_apps():
    base = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and config.name != "policy":
            yield config.name, path


def _read(path):
    actions, names, prefixes = set(), set(), set()
    for file in path.rglob("*.py"):
        if "migrations" in file.parts:
            continue
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if func in ASKERS and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                    actions.add(node.args[1].value)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)
            elif isinstance(node, ast.keyword) and node.arg:
                names.add(node.arg)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                prefixes.add(node.values[0].value)
    return actions, names, prefixes


def _asks(app, rule):
    actions, names, prefixes = app

    def named(fact):
        return fact in names or any(p and fact.startswith(p) for p in prefixes)

    return rule.action in actions and all(named(f) for f in rule.needs) and (
        not rule.any_of or any(named(f) for f in rule.any_of)
    )


def asked_rules():
    read = {name: _read(path) for name, path in _our_apps()}
    return {rule.id: sorted(name for name, app in read.items() if _asks(app, rule)) for rule in RULES}


def test_every_engine_rule_is_asked_by_a_service():
    unasked = [rule_id for rule_id, askers in asked_rules().items() if not askers]
    assert unasked == [], f"rules no service asks: {unasked}"


def test_the_reading_can_tell_an_unasked_rule():
    # A rule whose action nobody asks is reported: the test above can fail.
    fake = RULES[0].__class__("X-TEST", "no_such_action", "", ("facility_pledge",), lambda p, f: True, "")
    assert not any(_asks(_read(path), fake) for _, path in _our_apps())


def test_the_oversight_rules_are_asked_by_oversight():
    asked = asked_rules()
    for rule_id in ("DEV-TAKEOUT", "DEV-BYOD", "SEC-NO-COPY", "SEC-PERMISSION", "SEC-OTHER-DOC"):
        assert "oversight" in asked[rule_id], rule_id
