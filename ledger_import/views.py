"""The secretariat's import: upload, preview (nothing written), commit (one transaction)."""

import datetime
import secrets
from pathlib import PurePath
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.uploads import upload_limit
from core.views import show_errors
from facilities.access import get_program_for_user
from facilities.models import Program, Role

from .forms import LedgerUploadForm
from .planning import PREVIEW_ROWS, plan_file, preview_rows
from .reading import MAX_BYTES, LedgerUnreadable, template_xlsx
from .services import ledger_import

SESSION_KEY = "ledger_import"
UPLOADS = "ledger_import"  # under MEDIA_ROOT, which no URL serves
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kept(request, program):
    return request.session.get(SESSION_KEY, {}).get(str(program.pk))


def _forget(request, program):
    kept = request.session.get(SESSION_KEY, {})
    entry = kept.pop(str(program.pk), None)
    request.session[SESSION_KEY] = kept
    if entry:
        default_storage.delete(entry["path"])


def _sweep():
    """Uploads previewed but never committed are kept a day at most."""
    try:
        _, names = default_storage.listdir(UPLOADS)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - datetime.timedelta(days=1)
    for name in names:
        if default_storage.get_modified_time(f"{UPLOADS}/{name}") < cutoff:
            default_storage.delete(f"{UPLOADS}/{name}")


def _keep(request, program, upload):
    """Keep an error-free upload until it is committed (or replaced by the next upload)."""
    _forget(request, program)
    _sweep()
    token = secrets.token_urlsafe(16)
    suffix = PurePath(upload.name).suffix.lower() if PurePath(upload.name).suffix.lower() in (".xlsx", ".csv") else ""
    upload.seek(0)
    path = default_storage.save(f"{UPLOADS}/{token}{suffix}", upload)
    kept = request.session.get(SESSION_KEY, {})
    kept[str(program.pk)] = {"token": token, "path": path, "name": PurePath(upload.name).name}
    request.session[SESSION_KEY] = kept
    return token


def _preview(request, program, plan, *, token="", form=None):
    rows, total = preview_rows(plan)
    context = {
        "program": program, "plan": plan, "counts": plan.counts(), "rows": rows, "total_rows": total,
        "limit": PREVIEW_ROWS, "token": token, "form": form or LedgerUploadForm(),
        "sheet_findings": [f for f in plan.findings if not f.row],
    }
    return render(request, "ledger_import/preview.html", context)


def import_programs(request):
    """The navigation's entry: the programs whose ledgers the user may import."""
    programs = Program.objects.active().run_by(request.user).order_by("name")
    if not programs:
        raise PermissionDenied if Role.objects.active().filter(user=request.user).exists() else Http404
    return render(request, "ledger_import/programs.html", {"programs": programs})


@upload_limit(MAX_BYTES)
def import_start(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            plan = plan_file(program, upload, PurePath(upload.name).name)
        except LedgerUnreadable as exc:
            form.add_error("file", str(exc))
        else:
            token = "" if plan.error_count else _keep(request, program, upload)
            return _preview(request, program, plan, token=token)
    return render(request, "ledger_import/start.html", {"program": program, "form": form})


@require_POST
def import_commit(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    kept = _kept(request, program)
    if not kept or not secrets.compare_digest(kept["token"], request.POST.get("token", "")):
        messages.error(request, "取り込むファイルが見つかりません。もう一度アップロードしてください。")
        return redirect("ledger_import:import", slug=program.slug)
    try:
        with default_storage.open(kept["path"], "rb") as stream:
            plan = ledger_import(program=program, by=request.user, file=stream, filename=kept["name"])
    except (LedgerUnreadable, FileNotFoundError) as exc:
        _forget(request, program)
        messages.error(request, str(exc) if isinstance(exc, LedgerUnreadable) else "取り込むファイルが見つかりません。")
        return redirect("ledger_import:import", slug=program.slug)
    except ValidationError as exc:
        # Someone changed the ledger between the preview and now (the services re-check): nothing written.
        show_errors(request, exc, prefix="取り込めませんでした（何も書き込んでいません）: ")
        return redirect("ledger_import:import", slug=program.slug)
    if not plan.written:
        # The ledger changed since the preview, and the file no longer fits: show why, keep nothing.
        _forget(request, program)
        return _preview(request, program, plan)
    _forget(request, program)
    c = plan.counts()
    messages.success(
        request,
        f"「{kept['name']}」を取り込みました。施設: 新規{c['facilities_create']}・更新{c['facilities_update']}・変更なし{c['facilities_unchanged']}、"
        f"職員: 新規{c['staff_create']}・更新{c['staff_update']}・変更なし{c['staff_unchanged']}。",
    )
    return redirect("facilities:facility-list", slug=program.slug)


def import_template(request, slug):
    # The template is the same for every program; the getter only checks who asks.
    get_program_for_user(request.user, slug, secretariat=True)
    response = HttpResponse(template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('台帳ひな形.xlsx')}"
    return response
