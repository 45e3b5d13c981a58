from __future__ import annotations

import pytest

from wellbeing.tenancy.context import organisation_scope

from .factories import plans, released


@pytest.fixture
def trust(world):
    """Organisation A with results for its two schools (A School 1: 40 staff, A School 2: 30),
    a plan, an objective and a workload assessment for A School 1."""
    organisation = world.org("a")
    with organisation_scope(organisation):
        release = released(organisation=organisation, schools={world.school("a", 0): 40, world.school("a", 1): 30})
        plans(organisation=organisation, lead=world.user("a", "organisation_lead"), school=world.school("a", 0))
    return organisation, release
