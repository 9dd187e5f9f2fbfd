"""Terminal rendering of larger results for the CLI (rich tables); no logic beyond layout."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mpi.merging import KEEP_PAIRS_FROM_PROBABILITY
from mpi.pair_display import KEY_FIELDS, shows_values
from mpi.quality.blocking import BlockingRecall
from mpi.quality.evaluate import EvaluationReport, PairExample, TruthCoverage, leading_zeros_hint
from mpi.quality.evidence import RecallByEvidence
from mpi.quality.explain import PairExplanation
from mpi.quality.review import ReviewList

# Why clustering (mpi.clustering) keeps two records apart that score above the threshold.
# Why clustering keeps apart two records whose own pair scores above the threshold.
SCORED_PAIRS_WEIGH_AGAINST = (
    "the scored pairs between the records linked to each weigh against one person, and a chain of strong "
    "pairs does not outvote them"
)
KEPT_APART_BY = f"{SCORED_PAIRS_WEIGH_AGAINST}; or a manual unlink; or both records are of a source with one record per person"


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
        f"({report.false_negative_pairs:,} missed pairs: "
        f"{report.false_negative_pairs - report.missed_pairs_not_kept:,} among the kept pairs, scored below the "
        f"threshold or kept apart; {report.missed_pairs_not_kept:,} not kept: never compared, or scored below "
        f"{KEEP_PAIRS_FROM_PROBABILITY:g} with no chain of strong pairs joining them)"
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
    if coverage.unmatched_but_for_leading_zeros:
        console.print(f"warning: {leading_zeros_hint(coverage)}")
    if coverage.unknown_sources:
        # A misspelt source name leaves a whole agency out of the scores without any other sign.
        named = ", ".join(f'"{source}"' for source in coverage.unknown_sources)
        console.print(
            f"warning: the truth file names source(s) {named} that the index does not hold: "
            "their rows are not scored. Write the source names of mpi.toml in its source column."
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
        if shows_values(example.left) or shows_values(example.right):
            table = Table(title=f"{title} #{i} {probability}")
            table.add_column("field")
            table.add_column("left")
            table.add_column("right")
            for field in example.left:
                left, right = example.left[field], example.right[field]
                table.add_row(field, "" if left is None else str(left), "" if right is None else str(right))
            console.print(table)
        else:
            console.print(
                f"{title} #{i} {probability}: {_key(example.left)} and {_key(example.right)} "
                "(hashed tokens only: their values are at the agencies)"
            )
        levels = ", ".join(f"{k}: {v}" for k, v in example.levels.items() if v != "null")
        console.print(f"  decided by: {levels}")
        if (
            threshold is not None
            and example.match_probability is not None
            and example.match_probability >= threshold
        ):
            console.print(
                f"  scored above the threshold ({threshold:g}), but clustering kept the two apart ({KEPT_APART_BY})"
            )


def _key(record: dict[str, object]) -> str:
    return f"{record.get('source')}:{record.get('record_id')}"


def print_explanation(console: Console, explanation: PairExplanation) -> None:
    """The verdict first, then the records side by side, the weights and how the index joined them."""
    e = explanation
    left, right = _key(e.left), _key(e.right)
    console.print(Text(f"{left} and {right}: {_verdict(e)}", style="bold"))
    if not (shows_values(e.left) or shows_values(e.right)):
        console.print("The records hold hashed tokens only: their values are at the agencies.")
    else:
        _print_side_by_side(console, e, left, right)
    weights = Table(title=f"Match weights: {e.scored_by}")
    for column in ("comparison", "level", "match weight"):
        weights.add_column(column, justify="right" if column == "match weight" else "left")
    weights.add_row("prior", "two random records are one person", f"{e.prior_weight:+.2f}")
    for c in e.comparisons:
        frequency = f" (value frequency {c.term_frequency_weight:+.2f})" if c.term_frequency_weight else ""
        weights.add_row(c.comparison, c.level + frequency, f"{c.match_weight:+.2f}")
    weights.add_row(
        "total",
        f"match probability {e.match_probability:.4f} (threshold {e.threshold:g})",
        f"{e.match_weight:+.2f}",
    )
    console.print(weights)
    console.print("Comparisons missing from the table had no value on one side or both, and weigh nothing.")
    if e.compared_by is not None:
        rules = (
            "; ".join(e.compared_by)
            if e.compared_by
            else "none: no prediction rule makes this pair, so no link run scores it"
        )
        console.print(f"prediction rules that compare the pair: {rules}")
    stored = (
        f"{e.stored_probability:.4f}"
        if e.stored_probability is not None
        else f"not kept (a run keeps the pairs its rules compare that score {KEEP_PAIRS_FROM_PROBABILITY:g} or more)"
    )
    console.print(f"the pair's score among the latest run's kept pairs: {stored}")
    if e.stored_probability is not None and abs(e.stored_probability - e.match_probability) > 5e-4:
        console.print(
            "  it differs from the score above: records were ingested since that run (term frequencies "
            "changed), or --model names other parameters"
        )
    if len(e.chain) > 1:
        console.print("how the index joins them:")
    for step in e.chain if len(e.chain) > 1 else ():
        how = "manual link" if step.match_probability is None else f"p={step.match_probability:.4f}"
        console.print(f"  linked: {step.left} - {step.right} ({how})")
    for line in e.overrides:
        console.print(f"  {line}")


def _print_side_by_side(console: Console, e: PairExplanation, left: str, right: str) -> None:
    records = Table(title="The records")
    for column in ("field", left, right):
        records.add_column(column)
    for field in e.left:
        if field in KEY_FIELDS:
            continue
        a, b = e.left[field], e.right[field]
        records.add_row(field, "" if a is None else str(a), "" if b is None else str(b))
    console.print(records)


def _verdict(e: PairExplanation) -> str:
    person = e.person_ids[0]
    if e.same_person and len(e.chain) == 1:
        return f"one person ({person}), linked directly"
    if e.same_person and e.chain:
        return f"one person ({person}), joined through {len(e.chain) - 1} other record(s)"
    if e.same_person:
        return f"one person ({person})"
    if None in e.person_ids:
        return "not both in the index yet (run mpi link)"
    apart = f"different persons ({e.person_ids[0]}, {e.person_ids[1]})"
    if e.stored_probability is not None and e.stored_probability >= e.threshold:
        why = "; ".join(e.kept_apart_by) or SCORED_PAIRS_WEIGH_AGAINST
        return f"{apart}: the pair scores above the threshold, but clustering kept the two apart ({why})"
    return apart


def _who(record: dict[str, object]) -> str:
    """A record in one line: key, name, date of birth."""
    name = " ".join(
        str(record[f]) for f in ("first_name", "middle_name", "last_name", "suffix") if record.get(f)
    )
    born = f", born {record['dob']}" if record.get("dob") else ""
    return f"{_key(record)} {name}{born}"


def print_review(console: Console, review: ReviewList) -> None:
    console.print(
        f"Run {review.run_id} (threshold {review.threshold:g}): {review.pairs_in_band:,} pairs scored from "
        f"{review.low:g} to {'1 inclusive' if review.high == 1 else f'below {review.high:g}'} that no override has decided; "
        f"{review.linked_in_band:,} of them are in one person id now"
    )
    if review.pairs:
        table = Table(title="Closest to the threshold first")
        for column in ("p", "now", "record", "other record"):
            table.add_column(column, justify="right" if column == "p" else "left")
        for pair in review.pairs:
            table.add_row(
                f"{pair.match_probability:.4f}",
                "linked" if pair.linked else "apart",
                _who(pair.left),
                _who(pair.right),
            )
        console.print(table)
        console.print(
            "Why a pair scored so: mpi explain A B. Settle it: mpi override link|unlink A B --by NAME --reason TEXT."
        )
    if review.written_to is not None:
        console.print(f"Wrote all {review.pairs_in_band:,} pairs to {review.written_to}")
