"""Step 2 of 2: the `release_id` column stays as it is and gains its foreign key and index; in
the models it is now the `release` field. The table keeps its row-level security (altered, never
recreated); the one-reading-per-release index is the same index under the new field name."""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = [
    "ALTER TABLE actionplans_metricreading ADD CONSTRAINT actionplans_metricreading_release_id_fk "
    "FOREIGN KEY (release_id) REFERENCES surveys_release (id) DEFERRABLE INITIALLY DEFERRED",
    "CREATE INDEX actionplans_metricreading_release_id_idx ON actionplans_metricreading (release_id)",
]
BACKWARD = [
    "DROP INDEX actionplans_metricreading_release_id_idx",
    "ALTER TABLE actionplans_metricreading DROP CONSTRAINT actionplans_metricreading_release_id_fk",
]


class Migration(migrations.Migration):

    dependencies = [
        ("actionplans", "0004_metricreading_release_data"),
        ("surveys", "0004_release_build"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="metricreading", name="reading_once_per_release"),
                migrations.RemoveField(model_name="metricreading", name="release_id"),
                migrations.AddField(
                    model_name="metricreading",
                    name="release",
                    field=models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                        to="surveys.release",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="metricreading",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("release__isnull", False)), fields=("objective", "release"),
                        name="reading_once_per_release",
                    ),
                ),
            ],
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
        ),
    ]
