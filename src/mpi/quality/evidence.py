"""Recall by evidence: the true pairs split by the strongest identifier both of their records carry.

A true pair whose two records share only names (an agency without SSN or date of birth against
one without an address) can be linked only by how rare the names are, and namesakes bound that.
Splitting recall this way tells an analyst whether the missed pairs are recoverable at all: the
recall reached if every missed pair carrying more than names were linked is the most any better
scoring of the names-only pairs leaves out. Counted over the true pairs only (a few per person),
as blocking recall is.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from mpi.model.columns import table_columns
from mpi.schema import SHARED_ID_PREFIX, SHARED_ID_TOKEN_PREFIX
from mpi.sqlutil import quote_identifier

NAMES_ONLY = "names only"

# Strongest first: a pair falls in the first group for which both records carry some column of it.
# Hashed stores hold keyed tokens (tok_*) where clear stores hold the values.
_EVIDENCE_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SSN", ("ssn", "tok_ssn")),
    ("shared id", ()),  # the store's id_* columns (tok_id_* when hashed), whatever the project declares
    ("date of birth", ("dob", "tok_dob")),
    ("address or ZIP", ("address", "zip", "tok_address", "tok_zip")),
    ("phone or email", ("phone", "email", "tok_phone", "tok_email")),
)


@dataclass(frozen=True, kw_only=True)
class EvidenceRecall:
    evidence: str
    true_pairs: int
    linked: int

    @property
    def missed(self) -> int:
        return self.true_pairs - self.linked

    @property
    def recall(self) -> float:
        return self.linked / self.true_pairs if self.true_pairs else 1.0


@dataclass(frozen=True, kw_only=True)
class RecallByEvidence:
    groups: tuple[EvidenceRecall, ...]

    @property
    def true_pairs(self) -> int:
        return sum(g.true_pairs for g in self.groups)

    @property
    def recall_if_all_but_names_only_linked(self) -> float:
        """Pairwise recall if every missed pair were linked except those whose records share only names."""
        names_only_missed = sum(g.missed for g in self.groups if g.evidence == NAMES_ONLY)
        total = self.true_pairs
        return (total - names_only_missed) / total if total else 1.0


# Each record of the truth with its true person (true_id) and its person id (person_id), as `labelled`.
LABELLED_RECORDS_CTE = """labelled AS (
    SELECT t.person_id AS true_id, i.person_id, r.*
    FROM mpi__truth AS t
    JOIN person_index AS i USING (source, record_id)
    JOIN records AS r USING (source, record_id)
)"""


def _both_carry_sql(columns: list[str]) -> str:
    return " OR ".join(
        f"(l.{quote_identifier(c)} IS NOT NULL AND r.{quote_identifier(c)} IS NOT NULL)" for c in columns
    )


def evidence_sql(record_columns: frozenset[str]) -> str:
    """The evidence group of a pair of `records` rows aliased l and r, given the records table's columns."""
    cases = []
    for label, columns in _EVIDENCE_COLUMNS:
        wanted = columns or tuple(
            sorted(c for c in record_columns if c.startswith((SHARED_ID_PREFIX, SHARED_ID_TOKEN_PREFIX)))
        )
        present = [c for c in wanted if c in record_columns]
        if present:
            cases.append(f"WHEN {_both_carry_sql(present)} THEN '{label}'")
    return f"CASE {' '.join(cases)} ELSE '{NAMES_ONLY}' END" if cases else f"'{NAMES_ONLY}'"


def recall_by_evidence_sql(record_columns: frozenset[str]) -> str:
    """Per evidence group: true pairs and those linked (one person id). Reads mpi__truth, person_index, records."""
    return f"""
        WITH {LABELLED_RECORDS_CTE}
        SELECT {evidence_sql(record_columns)} AS evidence, count(*) AS true_pairs,
               count(*) FILTER (WHERE l.person_id = r.person_id) AS linked
        FROM labelled AS l
        JOIN labelled AS r
          ON l.true_id = r.true_id AND (l.source, l.record_id) < (r.source, r.record_id)
        GROUP BY ALL
    """


def recall_by_evidence(con: duckdb.DuckDBPyConnection) -> RecallByEvidence:
    """The true pairs of mpi__truth split by the strongest identifier both records carry, strongest first."""
    counts = {
        str(evidence): (int(pairs), int(linked))
        for evidence, pairs, linked in con.execute(
            recall_by_evidence_sql(table_columns(con, "records"))
        ).fetchall()
    }
    order = [label for label, _ in _EVIDENCE_COLUMNS] + [NAMES_ONLY]
    return RecallByEvidence(
        groups=tuple(
            EvidenceRecall(evidence=label, true_pairs=counts[label][0], linked=counts[label][1])
            for label in order
            if label in counts
        )
    )
