"""Write every blank form of a program's variant as OUTDIR/<kind>.pdf, for printing a stack.

    python manage.py render_forms PROGRAM_SLUG OUTDIR

Kinds: application, facility_pledge, staff_pledge, change_notice, consent — those the
variant has (its profile says which). Exits non-zero with a clear message when no Japanese
font is installed, instead of printing empty boxes.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consent.pdfs import consent_pdf
from core.pdf import JapaneseFontMissing, font_files
from enrollment.pdfs import application_pdf, facility_pledge_pdf
from facilities.models import Program
from facilities.pdfs import change_notice_pdf, staff_pledge_pdf

RENDERERS = {
    "application": application_pdf,
    "facility_pledge": facility_pledge_pdf,
    "staff_pledge": staff_pledge_pdf,
    "change_notice": change_notice_pdf,
    "consent": consent_pdf,
}


class Command(BaseCommand):
    help = "Write the program's blank forms (those its policy variant has) as OUTDIR/<kind>.pdf."

    def add_arguments(self, parser):
        parser.add_argument("program_slug")
        parser.add_argument("outdir")

    def handle(self, *args, program_slug, outdir, **options):
        try:
            font_files()  # first: without a Japanese font every form would print empty boxes
        except JapaneseFontMissing as exc:
            raise CommandError(str(exc)) from None
        program = Program.objects.filter(slug=program_slug).first()
        if program is None:
            known = ", ".join(Program.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            raise CommandError(f"no program with slug {program_slug!r} (known: {known})")
        out = Path(outdir)
        out.mkdir(parents=True, exist_ok=True)
        written = 0
        for kind, render in RENDERERS.items():
            form = program.policy.form(kind)
            if form is None:
                self.stdout.write(f"  {kind}: none in this policy, skipped")
                continue
            path = out / f"{kind}.pdf"
            path.write_bytes(render(program=program))
            written += 1
            self.stdout.write(f"  {kind}: {path} ({form.number} {form.title})")
        self.stdout.write(f"{written} forms written for {program.name}")
