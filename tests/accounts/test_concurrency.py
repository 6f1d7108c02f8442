"""A one-time code is accepted once, even when two logins race with it (two connections, PostgreSQL)."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import RoleFactory

from .helpers import backup_codes, code, login, totp_device

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("kind", ["backup", "totp"])
def test_the_same_code_raced_by_two_sessions_lets_only_one_in(kind):
    user = RoleFactory().user
    device = totp_device(user)
    second = backup_codes(user)[0] if kind == "backup" else code(device)
    clients = [Client(), Client()]
    for client in clients:
        assert login(client, user).status_code == 302
    barrier = threading.Barrier(2)
    results = []

    def attempt(client):
        try:
            barrier.wait()
            results.append(client.post(reverse("accounts:two-factor"), {"code": second}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 302]  # one signed in, the other told the code is wrong
