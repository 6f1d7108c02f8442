"""Import a network's Excel ledger (.xlsx or CSV) into a program, as the secretariat's page does.

    manage.py import_ledger PROGRAM_SLUG FILE [--dry-run]

Prints each row's findings, then as its last line
`facilities: A created, B updated, C unchanged; staff: D created, E updated, F unchanged; errors: G`.
Exit status: 0 when G is 0 (written unless --dry-run); 1 when G > 0 (nothing written);
2 when the file cannot be read as a ledger at all (a Japanese message, no traceback).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from facilities.models import Program
from ledger_import.planning import plan_file
from ledger_import.reading import LedgerUnreadable
from ledger_import.services import ledger_import

LEVELS = {"error": "エラー", "warning": "注意"}


class Command(BaseCommand):
    help = "Excelの台帳（.xlsx・CSV）をネットワークに取り込みます（--dry-run: 書き込まずに結果だけ表示）。"

    def add_arguments(self, parser):
        parser.add_argument("program_slug")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="何も書き込まず、取り込んだ場合の結果を表示する")

    def handle(self, *args, program_slug, file, dry_run=False, **options):
        program = Program.objects.filter(slug=program_slug).first()
        if program is None:
            raise CommandError(f"ネットワーク「{program_slug}」はありません。", returncode=2)
        path = Path(file)
        try:
            with path.open("rb") as stream:
                if dry_run:
                    plan = plan_file(program, stream, path.name)
                else:
                    plan = ledger_import(program=program, by=None, file=stream, filename=path.name)
        except FileNotFoundError:
            raise CommandError(f"ファイル「{file}」がありません。", returncode=2) from None
        except IsADirectoryError:
            raise CommandError(f"「{file}」はフォルダです。台帳のファイルを指定してください。", returncode=2) from None
        except LedgerUnreadable as exc:
            raise CommandError(str(exc), returncode=2) from None
        for finding in plan.findings:
            where = f"{finding.row}行目" if finding.row else "ファイル"
            column = f"「{finding.column}」" if finding.column else ""
            self.stdout.write(f"{where}{column} {LEVELS[finding.level]}: {finding.message}")
        self.stdout.write(plan.summary())
        if plan.error_count:
            raise CommandError("エラーがあるため、何も書き込みませんでした。直してからもう一度取り込んでください。", returncode=1)
