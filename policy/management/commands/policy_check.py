"""Ask the engine "what would happen if...": prints the violations for VARIANT ACTION key=value ...

    python manage.py policy_check iwakuni create_group kind=patient consent=signed \
        by_origin_facility=true active_groups_for_patient=1

Values are parsed by the fact's type: true/false, whole numbers, comma-separated lists.
Exits 0 when nothing blocks, 1 when a rule blocks, 2 on bad input.
"""

from django.core.management.base import BaseCommand, CommandError

from policy import rules

TRUE = {"true", "yes", "1", "y", "t", "on"}
FALSE = {"false", "no", "0", "n", "f", "off"}


def parse_fact(name, text):
    if name not in rules.FACTS:
        raise CommandError(f"unknown fact {name!r}", returncode=2)
    spec = rules.FACTS[name]
    if spec is bool:
        if text.lower() in TRUE | FALSE:
            return text.lower() in TRUE
        raise CommandError(f"fact {name!r} takes true or false, got {text!r}", returncode=2)
    if spec is int:
        try:
            return int(text)
        except ValueError:
            raise CommandError(f"fact {name!r} takes a whole number, got {text!r}", returncode=2) from None
    if spec is rules.STRS:
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


class Command(BaseCommand):
    help = "Print the policy engine's violations for VARIANT ACTION key=value ... as a table."

    def add_arguments(self, parser):
        parser.add_argument("variant")
        parser.add_argument("action")
        parser.add_argument("facts", nargs="*", metavar="key=value")

    def handle(self, *args, variant, action, facts, **options):
        parsed = {}
        for item in facts:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"expected key=value, got {item!r}", returncode=2)
            parsed[name.strip()] = parse_fact(name.strip(), value.strip())
        try:
            violations = rules.check(variant, action, parsed)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None

        p = rules.profile(variant)
        self.stdout.write(f"{p.policy_title} / {rules.ACTION_LABELS[action]} ({action})")
        if not violations:
            self.stdout.write("違反なし: この操作はポリシー上問題ありません。")
            return
        rows = [("rule", "severity", "article", "message")]
        rows += [(v.rule, v.severity, v.article, v.message) for v in violations]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        if any(v.severity == "block" for v in violations):
            raise SystemExit(1)
