import re

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    """The portal's floor (MHLW guideline 6.0 Q&A): letters, digits and symbols mixed."""

    def validate(self, password, user=None):
        missing = []
        if not re.search(r"[A-Za-z]", password):
            missing.append("英字")
        if not re.search(r"[0-9]", password):
            missing.append("数字")
        if not re.search(r"[^A-Za-z0-9]", password):
            missing.append("記号")
        if missing:
            raise ValidationError(
                "パスワードには英字・数字・記号をすべて含めてください（不足: %(missing)s）。",
                code="password_character_classes",
                params={"missing": "・".join(missing)},
            )

    def get_help_text(self):
        return "英字・数字・記号をすべて含めてください。"
