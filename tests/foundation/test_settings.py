import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(env_extra, *args):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "TESTING", "SECURE_SSL", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(env_extra)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_production_refuses_to_start_without_a_secret_key():
    result = _run({"DEBUG": "false"}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _run(
        {"DEBUG": "false", "SECRET_KEY": "x" * 30 + "-production-secret-key-with-enough-entropy-0123456789",
         "ALLOWED_HOSTS": "portal.example.jp"},
        "check", "--deploy", "--fail-level", "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
