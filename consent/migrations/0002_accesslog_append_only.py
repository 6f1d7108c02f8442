"""On PostgreSQL, the access log refuses UPDATE and DELETE: the portal only ever appends to it.

SQLite (development, the quick test run) has no such trigger; the model's save()/delete()
guards and the absence of any update path in the code cover it there.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION consent_accesslog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent_accesslog is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER consent_accesslog_append_only
    BEFORE UPDATE OR DELETE ON consent_accesslog
    FOR EACH ROW EXECUTE FUNCTION consent_accesslog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS consent_accesslog_append_only ON consent_accesslog;
DROP FUNCTION IF EXISTS consent_accesslog_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the RAISE format has a literal %

    return run


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
