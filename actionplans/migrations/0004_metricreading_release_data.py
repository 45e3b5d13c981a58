"""A reading's release becomes a foreign key to surveys.Release. Step 1 of 2: readings that name a
release that does not exist (there were only such names before the results were wired in) are
removed, and their objectives' latest values are read again at the next release or daily refresh.

Runs as the owner, under forced row-level security: reads across organisations through the
platform setting, for this migration's transaction only."""

from django.db import migrations


def remove_readings_of_no_release(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.platform', 'on', true)")
        cursor.execute(
            """
            DELETE FROM actionplans_metricreading AS reading
             WHERE reading.release_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM surveys_release AS release WHERE release.id = reading.release_id)
            """
        )


class Migration(migrations.Migration):

    dependencies = [
        ("actionplans", "0003_actionfinding_cell_required"),
        ("surveys", "0004_release_build"),
    ]

    operations = [
        migrations.RunPython(remove_readings_of_no_release, migrations.RunPython.noop),
    ]
