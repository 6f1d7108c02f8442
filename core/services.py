"""What every app's services share: asking the policy engine, saving with history, and moving
along a transition table.

The one way from the engine to the user: `policy_check()` raises `PolicyBlocked` when a rule
blocks (a ValidationError, so the transaction rolls back and `core.forms.add_service_errors`
puts it on the form) and returns the warnings as plain dicts, which services store on the
record and views show with `core.views.show_warnings`. The engine's message already ends with
the policy and article it rests on; nobody appends the article again.
"""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.wareki import wareki
from policy.rules import check


class PolicyBlocked(ValidationError):
    """The policy engine said no: `violations` are the blocks, in the engine's order."""

    def __init__(self, violations, *, prefix=""):
        self.violations = [v for v in violations if v.severity == "block"]
        super().__init__([f"{prefix}{v.message}" for v in self.violations])


def findings(violations):
    """Violations as JSON-storable dicts (rule, severity, article, message)."""
    return [dataclasses.asdict(v) for v in violations]


def warnings_or_raise(violations, *, prefix=""):
    """Raise PolicyBlocked if any violation blocks; else the warnings, as dicts to show and keep."""
    if any(v.severity == "block" for v in violations):
        raise PolicyBlocked(violations, prefix=prefix)
    return findings(v for v in violations if v.severity == "warn")


def policy_check(program, action, facts, *, prefix=""):
    """Ask the engine whether `action` may go ahead in `program`; see warnings_or_raise."""
    return warnings_or_raise(check(program.variant, action, facts), prefix=prefix)


def save_with_history(obj, by, **full_clean):
    """full_clean() and save(), recording `by` in the history row.

    simple-history takes the user from the request; services also run from commands and tests.
    """
    if by is not None:
        obj._history_user = by
    obj.full_clean(**full_clean)
    obj.save()
    return obj


def move_status(obj, to, allowed, noun):
    """Change a workflow status, only along the model's table of allowed transitions."""
    if to not in allowed[obj.status]:
        label = dict(obj._meta.get_field("status").choices)[to]
        raise ValidationError(f"「{obj.get_status_display()}」の{noun}は「{label}」にできません。")
    obj.status = to


def when_and_who(at, by):
    """「令和7年4月1日 10:05に山田 花子さんが」: what a stale page says about the change it missed."""
    who = f"{by.full_name}さん" if by is not None and by.full_name else "他の人"
    if not isinstance(at, datetime.datetime):  # a date only (撤回日)
        return f"{wareki(at)}に{who}が"
    local = timezone.localtime(at) if timezone.is_aware(at) else at
    return f"{wareki(local)} {local:%H:%M}に{who}が"


# How long a second sending of the same form (a double tap, a retry, Back and send again) counts as
# the same request: services return the first record, marked `repeated` (core.views.show_repeated).
REPEAT_WINDOW = datetime.timedelta(minutes=10)


def repeat_of(records, at_field=None):
    """The record a second sending of the same form finds: the first of `records` (made within
    REPEAT_WINDOW, when `at_field` names its timestamp), marked `repeated`; None when there is none."""
    if at_field is not None:
        records = records.filter(**{f"{at_field}__gte": timezone.now() - REPEAT_WINDOW})
    same = records.order_by("pk").first()
    if same is not None:
        same.repeated = True
    return same


def already_done(subject, at, by, done):
    """The action was done already (another tab, a double click, Back and send again): a
    ValidationError that says what happened, when and by whom, e.g. already_done("この作業", at,
    by, "対応済みにしています"). Views show it and go to the object's page, where the result is."""
    return ValidationError(f"{subject}は{when_and_who(at, by)}{done}。", code="already_done")
