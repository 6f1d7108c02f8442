"""Where the portal writes is set by the environment, so the code tree can be read-only.

DATA_DIR (default var/) holds the SQLite database and, unless STATIC_ROOT and MEDIA_ROOT say
otherwise, the collected static files and the private uploads. The deploy test runs the
README's deploy steps (migrate, collectstatic, a page) in a subprocess with production settings
and checks that not one file of the code tree was created or changed.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", "test-artifacts", ".venv"}
PRODUCTION = {
    "DEBUG": "false", "SECRET_KEY": "x" * 30 + "-production-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "testserver", "SECURE_SSL": "false", "PYTHONDONTWRITEBYTECODE": "1",
}
SHOW = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'db': str(s.DATABASES['default']['NAME']), 'static': str(s.STATIC_ROOT), "
    "'media': str(s.MEDIA_ROOT)}))"
)
SERVE = (
    "from django.test import Client; r = Client().get('/accounts/login/'); "
    "print(r.status_code, r.content.decode().count('/static/css/portal.'))"
)


def _manage(env_extra, *args):
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    env = {k: v for k, v in os.environ.items() if k in keep} | PRODUCTION | env_extra
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def _tree():
    files = {}
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP]
        for name in names:
            path = Path(folder) / name
            files[str(path.relative_to(ROOT))] = path.stat().st_mtime_ns
    return files


def test_data_dir_moves_the_database_the_static_files_and_the_uploads(tmp_path):
    shown = json.loads(_manage({"DATA_DIR": str(tmp_path)}, "shell", "--no-imports", "-c", SHOW))
    assert shown == {"db": str(tmp_path / "portal.sqlite3"), "static": str(tmp_path / "static"),
                     "media": str(tmp_path / "private")}


def test_static_root_and_media_root_may_each_go_elsewhere(tmp_path):
    env = {"DATA_DIR": str(tmp_path / "data"), "STATIC_ROOT": str(tmp_path / "www"),
           "MEDIA_ROOT": str(tmp_path / "scans")}
    shown = json.loads(_manage(env, "shell", "--no-imports", "-c", SHOW))
    assert shown == {"db": str(tmp_path / "data" / "portal.sqlite3"), "static": str(tmp_path / "www"),
                     "media": str(tmp_path / "scans")}


def test_a_deploy_writes_nothing_into_the_code_tree(tmp_path):
    before = _tree()
    env = {"DATA_DIR": str(tmp_path)}
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput")
    status, stylesheets = _manage(env, "shell", "--no-imports", "-c", SERVE).split()
    assert (status, stylesheets) == ("200", "1")  # served with the manifest from DATA_DIR/static
    assert (tmp_path / "portal.sqlite3").exists() and (tmp_path / "static" / "staticfiles.json").exists()
    after = _tree()
    changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    assert changed == []
