"""An action's finding points at its result cell (a foreign key) instead of naming it by release
id and cell key. Step 1 of 2: add the key and fill it from the names.

Findings whose name matches no released cell (there were none before the results were wired in,
only names typed by hand) are removed: they point at nothing. What they said stays in their
action's history ("Prompted by: ...").

Runs as the owner, under forced row-level security: the data step reads across organisations
through the platform setting, for this migration's transaction only.
"""

import django.db.models.deletion
from django.db import migrations, models

PLATFORM = "SELECT set_config('app.platform', 'on', true)"


def link_cells(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(PLATFORM)
        cursor.execute(
            """
            UPDATE actionplans_actionfinding AS finding SET cell_id = cell.id
              FROM surveys_resultcell AS cell
             WHERE cell.release_id = finding.release_id AND cell.key = finding.cell_key
               AND cell.organisation_id = finding.organisation_id
            """
        )
        cursor.execute("DELETE FROM actionplans_actionfinding WHERE cell_id IS NULL")


def name_cells(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(PLATFORM)
        cursor.execute(
            """
            UPDATE actionplans_actionfinding AS finding
               SET release_id = cell.release_id, cell_key = cell.key
              FROM surveys_resultcell AS cell
             WHERE cell.id = finding.cell_id
            """
        )


class Migration(migrations.Migration):

    dependencies = [
        ("actionplans", "0001_initial"),
        ("surveys", "0004_release_build"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionfinding",
            name="cell",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                to="surveys.resultcell", verbose_name="result cell",
            ),
        ),
        migrations.AlterField(model_name="actionfinding", name="release_id", field=models.BigIntegerField(null=True)),
        migrations.AlterField(model_name="actionfinding", name="cell_key",
                              field=models.CharField(max_length=300, blank=True)),
        migrations.RunPython(link_cells, name_cells),
    ]
