"""Disclosure control: what a release may publish so that nobody can work out what a colleague
answered (DESIGN.md, "Anonymity rules"). Pure functions over atoms and cells, no models: the
release builder turns answers into atoms and views into cells, calls ``protect`` and the rules,
and writes result cells accordingly.

* ``audit``: the rank audit (which groups of 1..k-1 respondents the published cells reveal).
* ``protect``: primary and complementary suppression, proven by the audit.
* ``measures``: the same for each measure's cells, over the respondents who answered it.
* ``rules``: group disclosure bands, small-school clusters, comment and response-rate thresholds.
* ``views``: atoms from respondents' profiles, cells of the views a release publishes.
"""

from .audit import (
    Atom,
    Cell,
    brute_force_leaks,
    failure_bound,
    find_leaks,
    minimal_groups,
    pairwise_rule_would_publish,
)
from .measures import Measure, MeasureProtection, protect_measures
from .protect import DisclosureError, Protection, primary_suppress, protect
from .rules import (
    Clustering,
    FavourableBand,
    SchoolCount,
    cluster_small_schools,
    comments_shown,
    demographic_cuts_allowed,
    favourable_band,
    is_small_school,
    response_rate_shown,
    shows_full_statistics,
)
from .views import Profile, as_fixed, atoms_from_counts, atoms_from_profiles, standard_cells

__all__ = [
    "Atom",
    "Cell",
    "Clustering",
    "DisclosureError",
    "FavourableBand",
    "Measure",
    "MeasureProtection",
    "Profile",
    "Protection",
    "SchoolCount",
    "as_fixed",
    "atoms_from_counts",
    "atoms_from_profiles",
    "brute_force_leaks",
    "cluster_small_schools",
    "comments_shown",
    "demographic_cuts_allowed",
    "failure_bound",
    "favourable_band",
    "find_leaks",
    "is_small_school",
    "minimal_groups",
    "pairwise_rule_would_publish",
    "primary_suppress",
    "protect",
    "protect_measures",
    "response_rate_shown",
    "shows_full_statistics",
    "standard_cells",
]
