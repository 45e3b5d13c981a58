"""The one reader of raw survey answers.

Responses, answers and comments are read here and nowhere else: the services that write them,
the models and a short list of named exceptions (benchmarks, the storage-scrub test)
aside, `surveys/tests/test_anonymity.py::test_only_the_aggregation_reads_answers` fails for any
module that imports those models or names their tables. What
leaves this package is aggregated: counts, sums and sums of squares per group of respondents,
computed in SQL over the whole wave with GROUPING SETS; respondent counts per profile (the atoms
of disclosure control); organisation-level sums for reliability; and, for the driver analysis,
the organisation's per-person domain scores with nothing that says whose they are.

Use it inside one transaction of the organisation (`organisation_scope`):

    with wave_snapshot(survey) as wave:
        wave.set_clusters({school_id: cluster_index, ...})
        wave.item_counts(), wave.domain_sums(), wave.atom_counts(), ...

Every query of a snapshot reads the same respondents (their ids are copied into a temporary
table first), so counts and atoms agree even while an open survey keeps receiving answers.
"""

from .comments import redact
from .wave import (
    ORGANISATION,
    DomainInfo,
    DomainSums,
    Group,
    ItemCounts,
    ItemCountTable,
    ItemInfo,
    ReliabilitySums,
    WaveSnapshot,
    wave_snapshot,
)

__all__ = [
    "ORGANISATION",
    "DomainInfo",
    "DomainSums",
    "Group",
    "ItemCountTable",
    "ItemCounts",
    "ItemInfo",
    "ReliabilitySums",
    "WaveSnapshot",
    "redact",
    "wave_snapshot",
]
