from django.core.exceptions import ValidationError

from core.pdf import JapaneseFontMissing, unprintable


def add_service_errors(form, error):
    """A service's ValidationError goes back onto the form, next to the field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def printable(value, *, on=""):
    """Refuse characters the printed forms' font cannot draw (e.g. 𠮷), naming them.

    `on` names the paper (e.g. "同意書に") in the message.
    """
    try:
        missing = unprintable(value)
    except JapaneseFontMissing:
        return value  # printing reports the missing font itself; typing must not fail for it
    if missing:
        chars = "」「".join(missing)
        raise ValidationError(f"「{chars}」は{on}印刷できない文字です。常用の字体（例: 𠮷→吉）で入力してください。")
    return value
