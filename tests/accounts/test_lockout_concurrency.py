"""The 5-failure lock holds when the wrong passwords arrive all at once.

Twelve simultaneous tries, each from its own browser and database connection, each password
check made to take 0.3 s: before accounts/lockout.py, all twelve were evaluated (the lock was
checked before any failure was recorded); now five are, and the account is locked.
"""

import pytest
from axes.models import AccessAttempt
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from tests.concurrency import WRONG, race_wrong_passwords, run_on_sqlite_file
from tests.factories import PASSWORD, UserFactory

from .helpers import login

LOGIN = reverse("accounts:login")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twelve_simultaneous_wrong_passwords_get_five_evaluated_on_postgresql():
    user = UserFactory()
    statuses, evaluated = race_wrong_passwords(user.email, 12)
    assert evaluated == 5
    assert set(statuses) <= {200, 429} and statuses.count(429) >= 7
    assert login(Client(), user).status_code == 429  # the right password waits out the lock


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_race_on_one_account_does_not_hold_up_another():
    victim, colleague = UserFactory(), UserFactory()
    race_wrong_passwords(victim.email, 6, evaluation_seconds=0)
    assert login(Client(), colleague).status_code == 302


def test_twelve_simultaneous_wrong_passwords_get_five_evaluated_on_sqlite(tmp_path):
    # A file database in a subprocess (tests/concurrency.py): the in-memory test database
    # would not lock as the `make run` database does.
    result = run_on_sqlite_file("lockout_race", tmp_path)
    assert result["evaluated"] == 5
    assert set(result["statuses"]) <= {200, 429}
    assert result["right_password_afterwards"] == 429


@pytest.mark.django_db
def test_a_wrong_password_is_counted_once_not_twice():
    # The try is counted before the check and the failure after it; the advance is taken back.
    user = UserFactory()
    client = Client()
    for _ in range(3):
        client.post(LOGIN, {"username": user.email, "password": WRONG})
    total = AccessAttempt.objects.filter(username=user.email).aggregate(n=Sum("failures_since_start"))["n"]
    assert total == 3


@pytest.mark.django_db
def test_a_success_clears_the_advance_count():
    user = UserFactory()
    client = Client()
    assert client.post(LOGIN, {"username": user.email, "password": PASSWORD}).status_code == 302
    assert not AccessAttempt.objects.filter(username=user.email).exists()
