"""What every app's services share: saving with history, moving along a transition table,
and turning the policy engine's blocks into a ValidationError."""

from django.core.exceptions import ValidationError


class PolicyBlocked(ValidationError):
    """The policy engine said no: `violations` are the blocks, in the engine's order."""

    def __init__(self, violations, *, prefix=""):
        self.violations = [v for v in violations if v.severity == "block"]
        super().__init__([f"{prefix}{v.message}" for v in self.violations])


def warnings_or_raise(violations, *, prefix=""):
    """Raise PolicyBlocked if any violation blocks; else return the warnings to show and keep."""
    if any(v.severity == "block" for v in violations):
        raise PolicyBlocked(violations, prefix=prefix)
    return [v for v in violations if v.severity == "warn"]


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
