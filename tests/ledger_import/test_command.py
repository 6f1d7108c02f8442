"""manage.py import_ledger PROGRAM_SLUG FILE [--dry-run]: its output and exit status, as the issue states them."""

import io

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from facilities.models import Facility, Staff
from tests.factories import ProgramFactory
from tests.ledger_import.files import csv_bytes, person, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    return ProgramFactory(variant="matsubara")


def run(*args):
    out = io.StringIO()
    try:
        call_command("import_ledger", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), ""


def test_dry_run_prints_the_findings_and_the_summary_last_and_writes_nothing(program, tmp_path):
    path = tmp_path / "台帳.xlsx"
    path.write_bytes(xlsx([person(1), person(2, pledge_on="")]))
    status, out, _ = run(program.slug, str(path), "--dry-run")
    assert status == 0
    lines = out.strip().splitlines()
    assert lines[-1] == "facilities: 1 created, 0 updated, 0 unchanged; staff: 2 created, 0 updated, 0 unchanged; errors: 0"
    assert any(line.startswith("3行目「氏名」 注意:") and "登録準備中" in line for line in lines)
    assert not Facility.objects.exists() and not Staff.objects.exists()


def test_errors_exit_1_and_write_nothing(program, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_bytes([person(1), person(2, job="運転手")], encoding="cp932"))
    for extra in (("--dry-run",), ()):
        status, out, message = run(program.slug, str(path), *extra)
        assert status == 1
        assert out.strip().splitlines()[-1].endswith("errors: 1")
        assert "3行目「職種」 エラー: 職種「運転手」がわかりません" in out
        assert "何も書き込みませんでした" in message
    assert not Facility.objects.exists() and not Staff.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("台帳.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "PDFのファイルです"),
        ("台帳.xlsx", b"", "ファイルが空です"),
        ("台帳.xlsx", "番号,メモ\r\n1,あ\r\n".encode("cp932"), "Excelのファイル（.xlsx）として読めません"),
        ("台帳.csv", "番号,メモ\r\n1,あ\r\n".encode("cp932"), "見出しの行が見つかりません"),
    ],
)
def test_a_file_that_is_no_ledger_exits_2_with_a_japanese_message(program, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    status, out, said = run(program.slug, str(path), "--dry-run")
    assert status == 2 and message in said and out == ""


def test_unknown_program_or_missing_file_exit_2(program, tmp_path):
    assert run("nowhere", str(tmp_path / "x.xlsx"))[0] == 2
    status, _, said = run(program.slug, str(tmp_path / "missing.xlsx"))
    assert status == 2 and "ありません" in said


def test_from_the_shell_there_is_no_traceback(program, tmp_path, capsys):
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(b"%PDF-1.7\n")
    command = load_command_class(get_commands()["import_ledger"], "import_ledger")
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["manage.py", "import_ledger", program.slug, str(path)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "PDFのファイルです" in err and "Traceback" not in err
