"""Many requests at once through the whole WSGI stack, each thread on its own database connection.

Used in-process on PostgreSQL, and on SQLite in a subprocess against a fresh *file* database:
pytest-django's SQLite test database lives in memory (one shared cache, table locks instead of
the file's locking and WAL), so it cannot show how the `make run` database behaves. Run as

    python -m tests.concurrency SCENARIO   (with DATABASE_URL=sqlite:////tmp/x.sqlite3)

it migrates that database, plays the scenario and prints its result as JSON
(`run_on_sqlite_file` below does all of it for a test).
"""

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRONG = "Wrong-Password-2026!"


def status(request, *args, **kwargs):
    """The status code of one request; what would have been a 500 as "500 <type>: <message>".

    (Django's test client re-raises the exception a view raised, instead of the 500 page.)
    """
    try:
        return request(*args, **kwargs).status_code
    except Exception as error:
        return f"500 {type(error).__name__}: {error}"


def fire(callables):
    """Starts one thread per callable, lets them go at the same instant, returns their results."""
    from django.db import connection

    barrier = threading.Barrier(len(callables))
    results = [None] * len(callables)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(callables)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def race_wrong_passwords(email, tries, evaluation_seconds=0.3):
    """`tries` simultaneous wrong passwords for one account, each from its own browser.

    Returns (status codes, how many passwords were evaluated). Each evaluation is made to take
    `evaluation_seconds` (as Argon2 does on a busy server), which is the window the tries race in.
    """
    from django.test import Client
    from django.urls import reverse

    from accounts.backends import EmailBackend

    evaluated = []
    original = EmailBackend.authenticate

    def slow_authenticate(self, request, username=None, password=None, **kwargs):
        evaluated.append(username)
        time.sleep(evaluation_seconds)
        return original(self, request, username=username, password=password, **kwargs)

    def attempt():
        return status(Client().post, reverse("accounts:login"), {"username": email, "password": WRONG})

    EmailBackend.authenticate = slow_authenticate
    try:
        statuses = fire([attempt] * tries)
    finally:
        EmailBackend.authenticate = original
    return statuses, len(evaluated)


def staff_load(writers=8, readers=8, rounds=8):
    """Facility administrators correcting the same ledger line while others read it and its facility.

    Every request also saves its session (SESSION_SAVE_EVERY_REQUEST), so readers write too.
    """
    from django.urls import reverse

    from facilities.models import RoleKind
    from tests.conftest import VerifiedClient
    from tests.factories import RoleFactory, StaffFactory

    role = RoleFactory(kind=RoleKind.FACILITY_ADMIN)
    staff = StaffFactory(facility=role.facility)
    edit = reverse("facilities:staff-edit", kwargs={"staff_pk": staff.pk})
    pages = [reverse("facilities:staff-detail", kwargs={"staff_pk": staff.pk}),
             reverse("facilities:facility-detail", kwargs={"facility_pk": role.facility.pk})]

    def signed_in():
        client = VerifiedClient()
        client.force_login(role.user)
        return client

    def writer(number):
        client = signed_in()

        def run():
            codes = []
            for round_ in range(rounds):
                data = {"full_name": f"職員 {number}-{round_}", "full_name_kana": "ショクイン", "gender": "",
                        "job": staff.job, "email": staff.email, "started_on": ""}
                codes.append(status(client.post, edit, data))
            return codes
        return run

    def reader():
        client = signed_in()

        def run():
            return [status(client.get, page) for _ in range(rounds) for page in pages]
        return run

    results = fire([writer(n) for n in range(writers)] + [reader() for _ in range(readers)])
    codes = [code for result in results for code in result]
    errors = sorted({code for code in codes if isinstance(code, str)})
    statuses = Counter(str(code)[:3] for code in codes)
    return {"statuses": dict(statuses), "errors": errors[:5]}


def lockout_race(tries=12):
    from tests.factories import UserFactory

    user = UserFactory(email="target@example.jp")
    statuses, evaluated = race_wrong_passwords(user.email, tries)
    from django.test import Client
    from django.urls import reverse

    from tests.factories import PASSWORD

    right = Client().post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    return {"statuses": statuses, "evaluated": evaluated, "right_password_afterwards": right.status_code}


SCENARIOS = {"staff_load": staff_load, "lockout_race": lockout_race}


def run_on_sqlite_file(scenario, directory, **extra_env):
    """Runs a scenario in a fresh process against a new SQLite file in `directory`; its JSON result."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "false", "TESTING": "true", "SECURE_SSL": "false",
        "SECRET_KEY": "probe-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "testserver", "DATA_DIR": str(directory),
        "DATABASE_URL": f"sqlite:///{Path(directory) / 'portal.sqlite3'}", **extra_env,
    })
    result = subprocess.run([sys.executable, "-m", "tests.concurrency", scenario], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(scenario):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    assert settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), "a file SQLite database only"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)
    print(json.dumps(SCENARIOS[scenario](), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
