"""The access log is append-only in the database itself: on PostgreSQL a trigger refuses every
UPDATE and DELETE, whoever sends it (raw SQL, another connection, a bulk statement).

The app-level guards (AccessLog.save/delete) are tested in tests/consent/test_models.py.
"""

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from consent.models import AccessLog
from tests.consent.factories import PatientFactory

pytestmark = [pytest.mark.postgres]


def _row(world):
    patient = PatientFactory(origin_facility=world.facility_a)
    return AccessLog.objects.create(user=world.coordinator_a, patient=patient, action="view_page", ip="10.0.0.1")


@pytest.mark.django_db
@pytest.mark.parametrize("sql", [
    "UPDATE consent_accesslog SET action = 'view_pdf' WHERE id = %s",
    "UPDATE consent_accesslog SET user_id = user_id, ip = NULL WHERE id = %s",
    "DELETE FROM consent_accesslog WHERE id = %s",
    "DELETE FROM consent_accesslog WHERE id >= 0 AND %s IS NOT NULL",
])
def test_raw_sql_cannot_change_or_delete_a_row(world, sql):
    row = _row(world)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [row.pk])
    assert AccessLog.objects.filter(pk=row.pk, action="view_page", ip="10.0.0.1").exists()


@pytest.mark.django_db(transaction=True)
def test_another_connection_is_refused_too_and_can_still_append(world):
    """Outside Django altogether: a plain psycopg session, as someone with the database password."""
    row = _row(world)
    settings = connection.settings_dict
    params = {"dbname": settings["NAME"], "user": settings["USER"], "host": settings["HOST"],
              "port": settings["PORT"] or 5432, "password": settings["PASSWORD"] or None}
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=True) as other:
        for sql in ("UPDATE consent_accesslog SET action = 'view_pdf' WHERE id = %s",
                    "DELETE FROM consent_accesslog WHERE id = %s"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                other.execute(sql, [row.pk])
        other.execute(
            "INSERT INTO consent_accesslog (user_id, patient_id, action, at, user_agent) "
            "SELECT user_id, patient_id, 'view_pdf', now(), '' FROM consent_accesslog WHERE id = %s", [row.pk])
    assert list(AccessLog.objects.order_by("pk").values_list("action", flat=True)) == ["view_page", "view_pdf"]


@pytest.mark.django_db
def test_the_trigger_is_installed_and_enabled():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled, tgtype FROM pg_trigger WHERE tgname = 'consent_accesslog_append_only' "
            "AND tgrelid = 'consent_accesslog'::regclass"
        )
        enabled, kind = cursor.fetchone()
    # 'O': fires in the normal (origin) replication role. tgtype bits: ROW 1, BEFORE 2, DELETE 8, UPDATE 16.
    assert enabled == "O" and kind & (1 | 2 | 8 | 16) == (1 | 2 | 8 | 16)
