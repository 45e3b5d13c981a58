"""After every migration run by the owner, let the application role read and write the tables.

Grants follow the tables, so a table added by a later migration is covered without anyone
remembering to grant on it. The application role never owns a table, so RLS always applies.
"""

from django.conf import settings
from django.db import connections
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from psycopg import sql


@receiver(post_migrate, dispatch_uid="tenancy_grant_app_role")
def grant_application_role(sender, using="default", **kwargs):
    if using != "owner" or sender.label != "tenancy":
        return
    app_role = settings.DATABASES["default"]["USER"]
    privileges = "SELECT, INSERT, UPDATE, DELETE"
    if getattr(settings, "DATABASE_APP_GRANT_TRUNCATE", False):
        privileges += ", TRUNCATE"
    role = sql.Identifier(app_role)
    with connections[using].cursor() as cursor:
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
        cursor.execute(sql.SQL(f"GRANT {privileges} ON ALL TABLES IN SCHEMA public TO {{}}").format(role))
        cursor.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role))
