"""Step 2 of 2: the result cell is required and the old names go. (Apart from step 1, so that
the deferred foreign-key checks of step 1's data have run before the table is altered.)

The table keeps its row-level security: it is altered, never recreated."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("actionplans", "0002_actionfinding_cell"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="actionfinding", name="action_finding_unique"),
        migrations.RemoveField(model_name="actionfinding", name="release_id"),
        migrations.RemoveField(model_name="actionfinding", name="cell_key"),
        migrations.AlterField(
            model_name="actionfinding",
            name="cell",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="surveys.resultcell",
                verbose_name="result cell",
            ),
        ),
        migrations.AddConstraint(
            model_name="actionfinding",
            constraint=models.UniqueConstraint(fields=("action", "cell"), name="action_finding_unique"),
        ),
    ]
