"""Terminal rendering of larger results for the CLI (rich tables); no logic beyond layout."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mpi.merging import KEEP_PAIRS_FROM_PROBABILITY
from mpi.quality.blocking import BlockingRecall
from mpi.quality.evaluate import EvaluationReport, PairExample, TruthCoverage
from mpi.quality.evidence import RecallByEvidence


def print_evaluation(console: Console, report: EvaluationReport) -> None:
    m = report.metrics
    summary = Table(
        title=f"Run {report.run_id} (model {report.model}, threshold {report.threshold}) against truth"
    )
    summary.add_column("metric")
    summary.add_column("precision", justify="right")
    summary.add_column("recall", justify="right")
    summary.add_column("F1", justify="right")
    summary.add_row(
        "pairwise", f"{m.pairwise.precision:.4f}", f"{m.pairwise.recall:.4f}", f"{m.pairwise.f1:.4f}"
    )
    summary.add_row("B-cubed", f"{m.bcubed.precision:.4f}", f"{m.bcubed.recall:.4f}", f"{m.bcubed.f1:.4f}")
    console.print(summary)
    console.print(
        f"records {m.pairwise.coverage.records_evaluated:,}; persons predicted {m.clusters.predicted_clusters:,}, "
        f"true {m.clusters.true_persons:,}, exactly right {m.clusters.exact_match_clusters:,}\n"
        f"false merges: {report.false_merge_clusters:,} person ids hold more than one true person "
        f"({report.false_positive_pairs:,} wrong pairs)\n"
        f"false splits: {report.false_split_persons:,} true persons spread over several ids "
        f"({report.false_negative_pairs:,} missed pairs, {report.missed_pairs_not_kept:,} of them not among the "
        f"kept pairs: never compared, or scored below {KEEP_PAIRS_FROM_PROBABILITY:g})"
    )
    _print_truth_coverage(console, report.coverage)
    if report.evidence is not None:
        _print_evidence(console, report.evidence)
    if report.blocking is not None:
        _print_blocking(console, report.blocking)
    _print_examples(console, "False merges (linked, but different people)", report.false_merges)
    _print_examples(
        console, "False splits (same person, not linked)", report.false_splits, threshold=report.threshold
    )
    if report.sweep:
        sweep = Table(title="Threshold sweep (pairwise, re-clustering the kept pairs)")
        for column in ("match probability", "precision", "recall", "F1", "persons"):
            sweep.add_column(column, justify="right")
        for row in report.sweep:
            sweep.add_row(
                f"{row.threshold}",
                f"{row.precision:.4f}",
                f"{row.recall:.4f}",
                f"{row.f1:.4f}",
                f"{row.persons:,}",
            )
        console.print(sweep)
    console.print(
        Text.assemble((f"Pairwise F1 {m.pairwise.f1:.4f}", "bold"), f"  B-cubed F1 {m.bcubed.f1:.4f}")
    )


def _print_truth_coverage(console: Console, coverage: TruthCoverage) -> None:
    """Only records both in the truth file and in the index are scored: say how many are left out."""
    unmatched = coverage.truth_rows_unmatched
    examples = f" (e.g. {', '.join(coverage.unmatched_examples)})" if coverage.unmatched_examples else ""
    console.print(
        f"truth coverage: {coverage.truth_rows_matched:,} of {coverage.truth_rows:,} truth rows name an indexed "
        f"record; {unmatched:,} match none{examples if unmatched else ''}; "
        f"{coverage.indexed_without_truth:,} indexed record(s) have no truth row. Only records in both are scored.",
    )


def _print_evidence(console: Console, evidence: RecallByEvidence) -> None:
    table = Table(title="Recall by what both records of a true pair carry (strongest first)")
    for column in ("both records carry", "true pairs", "linked", "missed", "recall"):
        table.add_column(column, justify="left" if column == "both records carry" else "right")
    for group in evidence.groups:
        table.add_row(
            group.evidence,
            f"{group.true_pairs:,}",
            f"{group.linked:,}",
            f"{group.missed:,}",
            f"{group.recall:.4f}",
        )
    console.print(table)
    console.print(
        "Pairwise recall if every missed pair carrying more than names were linked: "
        f"{evidence.recall_if_all_but_names_only_linked:.4f} (pairs sharing only names are told apart "
        "from namesakes by how rare the names are)"
    )


def _print_blocking(console: Console, blocking: BlockingRecall) -> None:
    table = Table(
        title=f"Blocking recall {blocking.recall:.4f}: {blocking.true_pairs_caught:,} of "
        f"{blocking.true_pairs:,} true pairs are compared by some rule"
    )
    for column in ("prediction rule", "true pairs caught", "by this rule only"):
        table.add_column(column, justify="left" if column == "prediction rule" else "right")
    for rule in blocking.rules:
        table.add_row(rule.rule, f"{rule.true_pairs_caught:,}", f"{rule.caught_by_this_rule_only:,}")
    console.print(table)


def _print_examples(
    console: Console, title: str, examples: tuple[PairExample, ...], *, threshold: float | None = None
) -> None:
    """Each pair side by side, with the level of each comparison that has one (no comparison of a
    field either record lacks); a split pair scored above the threshold says why it is not linked."""
    for i, example in enumerate(examples, start=1):
        probability = "" if example.match_probability is None else f"p={example.match_probability:.4f}"
        table = Table(title=f"{title} #{i} {probability}")
        table.add_column("field")
        table.add_column("left")
        table.add_column("right")
        for field in example.left:
            left, right = example.left[field], example.right[field]
            table.add_row(field, "" if left is None else str(left), "" if right is None else str(right))
        console.print(table)
        levels = ", ".join(f"{k}: {v}" for k, v in example.levels.items() if v != "null")
        console.print(f"  decided by: {levels}")
        if (
            threshold is not None
            and example.match_probability is not None
            and example.match_probability >= threshold
        ):
            console.print(
                f"  scored above the threshold ({threshold:g}), but clustering kept the two apart: the scored pairs "
                "between the records linked to each weigh against one person (a chain of strong pairs does not "
                "outvote them)"
            )
