"""A "you said, we did" update's quoted finding points at its result cell (a foreign key), as an
action's finding does since 0002, instead of naming it by release id and cell key.

Names that match no released cell are dropped with their quote: a figure must come from a cell.
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
            UPDATE actionplans_yousaidwedid AS post SET finding_cell_id = cell.id
              FROM surveys_resultcell AS cell
             WHERE cell.release_id = post.finding_release_id AND cell.key = post.finding_cell_key
               AND cell.organisation_id = post.organisation_id
            """
        )
        cursor.execute(
            """
            UPDATE actionplans_yousaidwedid SET quoted_value = NULL, quoted_unit = '', quoted_on = NULL
             WHERE finding_cell_id IS NULL
            """
        )
        # The new key's checks now, not at commit: the table is altered next in this transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def name_cells(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(PLATFORM)
        cursor.execute(
            """
            UPDATE actionplans_yousaidwedid AS post
               SET finding_release_id = cell.release_id, finding_cell_key = cell.key
              FROM surveys_resultcell AS cell
             WHERE cell.id = post.finding_cell_id
            """
        )


class Migration(migrations.Migration):

    dependencies = [
        ("actionplans", "0005_metricreading_release"),
        ("surveys", "0004_release_build"),
    ]

    operations = [
        migrations.AddField(
            model_name="yousaidwedid",
            name="finding_cell",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                to="surveys.resultcell", verbose_name="result cell",
            ),
        ),
        migrations.RemoveConstraint(model_name="yousaidwedid", name="quote_needs_a_finding"),
        migrations.RunPython(link_cells, name_cells, elidable=False),
        migrations.RemoveField(model_name="yousaidwedid", name="finding_cell_key"),
        migrations.RemoveField(model_name="yousaidwedid", name="finding_release_id"),
        migrations.AddConstraint(
            model_name="yousaidwedid",
            constraint=models.CheckConstraint(
                condition=models.Q(("quoted_value__isnull", True), ("finding_cell__isnull", False), _connector="OR"),
                name="quote_needs_a_finding",
            ),
        ),
    ]
