import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from policy.rules import VARIANTS
from tests.factories import ProgramFactory

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("application", "facility_pledge", "staff_pledge", "change_notice", "consent")


@pytest.mark.django_db
@pytest.mark.parametrize("variant", VARIANTS)
def test_render_forms_writes_every_blank_form_the_variant_has(variant, tmp_path):
    program = ProgramFactory(variant=variant)
    call_command("render_forms", program.slug, str(tmp_path), stdout=io.StringIO())
    expected = {kind for kind in KINDS if program.policy.form(kind)}
    assert {p.stem for p in tmp_path.glob("*.pdf")} == expected
    for kind in expected:
        form = program.policy.form(kind)
        text = "".join(page.extract_text() for page in PdfReader(tmp_path / f"{kind}.pdf").pages)
        compact = text.replace(" ", "").replace("\n", "")
        assert form.title.replace(" ", "") in compact, (variant, kind)
        assert form.number in compact, (variant, kind)


@pytest.mark.django_db
def test_render_forms_names_the_known_programs_when_the_slug_is_wrong(tmp_path):
    ProgramFactory(slug="known-net")
    with pytest.raises(CommandError, match="known-net"):
        call_command("render_forms", "nowhere", str(tmp_path))


def test_render_forms_refuses_without_a_japanese_font(tmp_path):
    """A real fontconfig with no fonts at all: the command stops instead of printing empty boxes."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><fontconfig><cachedir>' + str(tmp_path) + "</cachedir></fontconfig>")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    result = subprocess.run(
        [sys.executable, "manage.py", "render_forms", "matsubara", str(tmp_path / "out")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "日本語フォント" in result.stderr and "fonts-ipaexfont" in result.stderr
    assert not (tmp_path / "out").exists()
