"""The `mpi` command line: parse options, call one library function, render its result."""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mpi.config import CONFIG_FILENAME, ProjectConfig, load_config
from mpi.demo import DEMO_MIN_PERSONS
from mpi.errors import (
    EXIT_CHECK_FAILED,
    EXIT_INTERRUPTED,
    INTERRUPTED_MESSAGE,
    MpiError,
    MpiUserError,
    environment_error,
)

if TYPE_CHECKING:
    from mpi.ingest import FieldIssue, IngestResult
    from mpi.link import LinkResult

F = TypeVar("F", bound=Callable[..., Any])
# Piped output (files, CI logs) gets a wide fixed width instead of rich's 80-column default.
_WIDTH = None if sys.stdout.isatty() else 160
# No console markup: what mpi prints (paths, config keys such as [sources.k12], agency values,
# reasons typed by clerks) is shown as written, and styles are given as styles, never as tags.
console = Console(markup=False, highlight=False, soft_wrap=True, width=_WIDTH)
err_console = Console(stderr=True, markup=False, highlight=False, soft_wrap=True, width=_WIDTH)


def print_warning(warning: str) -> None:
    console.print(Text.assemble(("warning:", "yellow"), f" {warning}"))


class UserFacingError(click.ClickException):
    """A library error shown as one clean message with its exit code (2 usage/input, 1 failed check)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]


def library_errors(func: F) -> F:
    """Turn mpi's own errors into clean CLI errors; anything else is a bug and keeps its traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MpiUserError as exc:
            raise UserFacingError(_with_notes(exc), exc.exit_code) from exc
        except MpiError as exc:
            raise UserFacingError(_with_notes(exc), getattr(exc, "exit_code", EXIT_CHECK_FAILED)) from exc
        except KeyboardInterrupt:
            raise UserFacingError(INTERRUPTED_MESSAGE, EXIT_INTERRUPTED) from None
        except Exception as exc:
            # Ctrl-C inside a query, memory, the file system: the user's to fix, not a bug.
            told = environment_error(exc)
            if told is None:
                raise
            raise UserFacingError(*told) from None

    return wrapper  # type: ignore[return-value]


def _with_notes(exc: BaseException) -> str:
    """The message, then what the code that saw it pass added (e.g. that a rollback undid earlier work)."""
    return "\n".join([str(exc), *getattr(exc, "__notes__", ())])


def project_config(ctx: click.Context) -> ProjectConfig:
    path = ctx.obj.get("config_path") if ctx.obj else None
    return load_config(path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help=f"Project config (default: ./{CONFIG_FILENAME}).",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Also show Splink's own log messages: -v its warnings and progress, -vv also its SQL.",
)
@click.version_option(package_name="mpi", message="mpi %(version)s")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: int) -> None:
    """mpi: link person records from many agencies into one index of persistent person ids.

    Example: mpi --config demo/mpi.toml ingest
    """
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    show_splink_messages(verbose)


def show_splink_messages(verbose: int) -> None:
    """Splink's errors only; with -v also its INFO messages, with -vv everything down to its SQL.

    Splink warns about what mpi already handles: a level one EM session did not observe
    (mpi's EM over all candidate pairs estimates it; levels no pair ever shows are listed
    by `mpi train`), the u sample size mpi chose, a session rule with no pairs in a sample.
    Dozens of such lines buried mpi's own progress and summary.
    """
    splink_logger = logging.getLogger("splink")
    if not verbose and not splink_logger.handlers:
        splink_logger.setLevel(logging.ERROR)  # without importing Splink: `mpi --help` stays quick
        return
    import splink.logging as splink_logging

    # A handler Splink added on an earlier call may write to a stderr that is gone (tests).
    splink_logging.disable()
    if verbose:
        # Splink's handler: Python's last-resort one would print its warnings only.
        splink_logging.enable(logging.INFO if verbose == 1 else splink_logging.SQL)
    else:
        splink_logger.setLevel(logging.ERROR)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing mpi.toml.")
@click.option(
    "--from",
    "files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="An agency file to map (repeat for each): its source is what mpi inspect suggests.",
)
@library_errors
def init(directory: Path, force: bool, files: tuple[Path, ...]) -> None:
    """Write mpi.toml to DIRECTORY: a commented example, or the mapping of the files given with --from.

    Example: mpi init my-project --from k12_students.txt --from ui_wages.csv
    """
    from mpi.project import write_config_from_files, write_example_config

    if not files:
        path = write_example_config(directory, overwrite=force)
        console.print(
            f"Wrote {path}. Edit the [sources.*] tables to point at your agency files, then run mpi ingest."
        )
        return
    path, to_check = write_config_from_files(directory, files, overwrite=force)
    console.print(f"Wrote {path} with {len(files)} source(s), each as mpi inspect suggests it.")
    for source, notes in to_check.items():
        console.print(f"  {source}: {len(notes)} comment(s) to act on: " + "; ".join(notes))
    console.print("Check the mapping (shared_ids, sex codes, attributes), then run mpi ingest.")


@main.command()
@click.option(
    "--persons",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help=f"People to simulate (below {DEMO_MIN_PERSONS} some agency files may have no rows).",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed: same seed, same files.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Output directory.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an mpi.toml, truth.csv or agency file there that mpi synth did not write.",
)
@library_errors
def synth(persons: int, seed: int, out_dir: Path, force: bool) -> None:
    """Write a synthetic multi-agency population with ground truth and an mpi.toml that maps it.

    Example: mpi synth --persons 10000 --seed 42 --out demo
    """
    from mpi.synth import generate_population

    summary = generate_population(
        persons=persons, seed=seed, out_dir=out_dir, progress=_progress, overwrite=force
    )
    table = Table(title=f"Synthetic population: {persons:,} persons, seed {seed}")
    table.add_column("source")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, path in summary.files.items():
        table.add_row(name, str(path), f"{summary.rows[name]:,}")
    console.print(table)
    console.print(f"Truth: {summary.truth_path}\nConfig: {summary.config_path}")


def _progress(message: str) -> None:
    err_console.print(message, style="dim")


@main.command()
@click.argument("sources", nargs=-1)
@click.option(
    "--allow-shrink",
    is_flag=True,
    help="Load a file even when it would remove most of the source's records (refused by default).",
)
@click.pass_context
@library_errors
def ingest(ctx: click.Context, sources: tuple[str, ...], allow_shrink: bool) -> None:
    """Read, map and standardize agency files into the store (all sources, or the ones named).

    Every row is indexed or rejected with a reason; a source that is ingested again is replaced.
    A file with fewer than half the records the source has in the store (and 100 or more fewer) is
    refused as a likely cut-short extract, unless --allow-shrink.

    Example: mpi ingest k12 wages
    """
    from mpi.ingest import ingest_sources

    config = project_config(ctx)
    result = ingest_sources(config, sources or None, progress=_progress, allow_shrink=allow_shrink)
    _print_reconciliation(result)
    if not result.balanced:
        sys.exit(EXIT_CHECK_FAILED)


def _print_reconciliation(result: IngestResult) -> None:
    table = Table(title=f"Reconciliation ({result.store_path})")
    for column in ("source", "rows read", "indexed", "rejected", "balanced", "reject reasons", "seconds"):
        table.add_column(
            column, justify="right" if column in ("rows read", "indexed", "rejected", "seconds") else "left"
        )
    for s in result.sources:
        reasons = ", ".join(f"{k}: {v:,}" for k, v in s.reject_reasons.items()) or "-"
        table.add_row(
            s.source, f"{s.rows_read:,}", f"{s.rows_indexed:,}", f"{s.rows_rejected:,}",
            "yes" if s.balanced else "NO", reasons, f"{s.seconds:.1f}",
        )  # fmt: skip
    console.print(table)
    issues = [(s.source, fi) for s in result.sources for fi in s.field_issues]
    if issues:
        issue_table = Table(title="Values set to null (field-level problems, rows still indexed)")
        for column in ("source", "field", "column", "problem", "count"):
            issue_table.add_column(column, justify="right" if column == "count" else "left")
        for source_name, fi in issues:
            issue_table.add_row(source_name, fi.field, fi.column, fi.issue, f"{fi.count:,}")
        console.print(issue_table)
        _print_fixes([fi for _, fi in issues])
        _warn_of_lost_columns(result)
    total_read = sum(s.rows_read for s in result.sources)
    total_indexed = sum(s.rows_indexed for s in result.sources)
    total_rejected = sum(s.rows_rejected for s in result.sources)
    console.print(
        Text.assemble(
            f"Total: {total_read:,} rows read = {total_indexed:,} indexed + {total_rejected:,} rejected",
            ("" if result.balanced else "  DOES NOT ADD UP", "bold red"),
        )
    )


# Share of a source's indexed rows whose value of a column was set to null, from which the column
# itself (or its mapping) is likely wrong rather than some of its values.
LOST_COLUMN_SHARE = 0.9


def _warn_of_lost_columns(result: IngestResult) -> None:
    """A column whose values were nearly all set to null: the load goes on, but says so loudly."""
    for s in result.sources:
        for fi in s.field_issues:
            if s.rows_indexed >= 10 and fi.count >= LOST_COLUMN_SHARE * s.rows_indexed:
                print_warning(
                    f'{s.source}: {fi.count:,} of {s.rows_indexed:,} indexed rows lost their {fi.field} (column "{fi.column}": '
                    f"{fi.issue}), so matching cannot use it. Check its mapping in mpi.toml."
                )


def _print_fixes(field_issues: Sequence[FieldIssue]) -> None:
    """The mapping change each field problem may need (column names only, never values)."""
    for issue in field_issues:
        if issue.fix:
            console.print(issue.fix)


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Directory for the demo's files and store.",
)
@click.option(
    "--persons",
    type=click.IntRange(min=DEMO_MIN_PERSONS),
    default=10_000,
    show_default=True,
    help=f"People to simulate (at least {DEMO_MIN_PERSONS}: fewer leave some agency files empty, which ingest refuses).",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed.")
@click.option(
    "--force",
    is_flag=True,
    help="Replace an mpi.toml, store or truth.csv there that mpi synth or an earlier demo did not write.",
)
@library_errors
def demo(out_dir: Path, persons: int, seed: int, force: bool) -> None:
    """Run the end-to-end demo: simulate agencies, ingest, train, link, evaluate against truth.

    Example: mpi demo --out demo --persons 10000
    """
    from mpi.cli_render import print_evaluation
    from mpi.demo import run_demo

    result = run_demo(out_dir=out_dir, persons=persons, seed=seed, progress=_progress, overwrite=force)
    _print_reconciliation(result.ingest)
    print_evaluation(console, result.evaluation)
    shipped = result.shipped_evaluation.metrics
    trained = result.evaluation.metrics
    console.print(
        f"\nDemo summary ({persons:,} persons, seed {seed}, {result.link.records:,} records, "
        f"{trained.clusters.true_persons:,} true persons)\n"
        f"  shipped model 'default':    pairwise F1 {shipped.pairwise.f1:.4f}, B-cubed F1 {shipped.bcubed.f1:.4f}\n"
        f"  model trained on this data: pairwise F1 {trained.pairwise.f1:.4f}, B-cubed F1 {trained.bcubed.f1:.4f}"
        f" (trained in {result.train.seconds:.1f}s, linked in {result.link.seconds_total:.1f}s)\n"
        f"Store: {result.ingest.store_path}\nConfig: {result.synth.config_path}\n"
        f"Next: {mpi_invocation()} --config {result.synth.config_path} models show demo",
    )
    if not result.ingest.balanced:
        sys.exit(EXIT_CHECK_FAILED)


def mpi_invocation(argv0: str | None = None) -> str:
    """How to run this mpi again: `mpi` when that is on PATH and is this one, else its path or python -m mpi.

    After the README's install (.venv/bin/pip install -e .) `mpi` is not on PATH, so a hint
    saying "mpi ..." fails with command not found.
    """
    argv0 = sys.argv[0] if argv0 is None else argv0
    if not argv0 or Path(argv0).name == "__main__.py":
        return f"{shlex.quote(sys.executable)} -m mpi"
    on_path = shutil.which("mpi")
    if on_path and Path(on_path).resolve() == Path(argv0).resolve():
        return "mpi"
    if os.sep in argv0:
        return shlex.quote(argv0)
    return "mpi" if on_path else f"{shlex.quote(sys.executable)} -m mpi"


@main.command()
@click.argument("source", required=False)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Rows to show.")
@click.pass_context
@library_errors
def rejects(ctx: click.Context, source: str | None, limit: int) -> None:
    """List rejected rows with their reasons (all sources, or one).

    Example: mpi rejects wages --limit 20
    """
    from mpi.project import list_rejects

    config = project_config(ctx)
    summary = list_rejects(config, source=source, limit=limit)
    if not summary.counts:
        where = f'source "{source}"' if source else "any source"
        console.print(f"No rejected rows in {where}: every row read was indexed.")
        return
    counts = Table(title="Rejects by source and reason")
    for column in ("source", "reason", "rows"):
        counts.add_column(column, justify="right" if column == "rows" else "left")
    for src, reason, n in summary.counts:
        counts.add_row(src, reason, f"{n:,}")
    console.print(counts)
    if summary.rows:
        rows = Table(title=f"First {len(summary.rows)} rejected rows")
        for column in ("source", "row", "record id", "reason", "detail"):
            rows.add_column(column)
        for r in summary.rows:
            rows.add_row(r.source, str(r.row_number), r.record_id or "", r.reason, r.detail or "")
        console.print(rows)


@main.command("inspect")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--delimiter", default=None, help="CSV delimiter (default: detected).")
@click.option(
    "--encoding",
    default=None,
    help="CSV encoding (default: UTF-16 if marked or NUL-spaced, else UTF-8, else cp1252 or Latin-1).",
)
@click.option(
    "--sheet",
    default=None,
    help="Excel workbook: the sheet to profile (default: the first visible one with data).",
)
@click.option("--name", "source_name", default=None, help="Source name for the suggested mapping.")
@library_errors
def inspect_command(
    file: Path, delimiter: str | None, encoding: str | None, sheet: str | None, source_name: str | None
) -> None:
    """Profile an agency file (CSV, Parquet or an Excel sheet): columns, inferred types, null rates,
    samples and a suggested mapping.

    Example: mpi inspect k12_students.csv
    """
    from mpi.column_names import source_name_for
    from mpi.inspect import inspect_file

    profile = inspect_file(file, delimiter=delimiter, encoding=encoding, sheet=sheet)
    table = Table(title=f"{profile.path} ({profile.rows_sampled:,} rows sampled)")
    for column in ("column", "type", "null %", "distinct", "samples", "suggested field"):
        table.add_column(column, justify="right" if column in ("null %", "distinct") else "left")
    for c in profile.columns:
        table.add_row(
            c.name, c.inferred_type, f"{100 * c.null_rate:.1f}", f"{c.distinct:,}",
            " | ".join(c.samples), c.suggested_field or "",
        )  # fmt: skip
    console.print(table)
    for warning in profile.warnings:
        print_warning(warning)
    console.print("Suggested mapping (check it before use):\n")
    console.print(profile.suggested_mapping_toml(source_name or source_name_for(file)))


@main.command()
@click.option(
    "--name",
    default="default",
    show_default=True,
    help="Model name: writes models/NAME.json beside mpi.toml.",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Seed for u sampling.")
@click.pass_context
@library_errors
def train(ctx: click.Context, name: str, seed: int) -> None:
    """Train a Splink model on the ingested records (lambda, u by sampling, m by EM).

    Example: mpi train --name spring2026
    """
    from mpi.train import train_project_model

    result = train_project_model(project_config(ctx), name=name, seed=seed, progress=_progress)
    stats = result.model.stats
    if stats is not None:
        if stats.untrained_levels:
            per_comparison = Counter(name for name, _ in stats.untrained_positions())
            console.print(
                f"{len(stats.untrained_levels)} level(s) no pair showed in training keep weight 0 "
                f"(marked in mpi models show {result.name}): "
                + ", ".join(f"{name} {count}" for name, count in per_comparison.items()),
            )
        for warning in stats.warnings:
            print_warning(warning)
    chosen = result.threshold
    console.print(
        f"Trained model {result.name} on {result.records:,} records in {result.seconds:.1f}s: {result.path}\n"
        f"Link threshold {chosen.match_probability} (the model expects pairwise precision "
        f"{chosen.expected_precision:.3f}, recall {chosen.expected_recall:.3f} there; "
        "check with mpi evaluate --truth)\n"
        f"Inspect it with: mpi models show {result.name}"
    )
    # Last, where they are seen: a useless model's summary above looks like a good one's.
    for warning in result.warnings:
        print_warning(warning)


@main.group(invoke_without_command=True)
@click.pass_context
@library_errors
def models(ctx: click.Context) -> None:
    """List the project's models and the ones shipped with mpi.

    Example: mpi models
    """
    if ctx.invoked_subcommand is not None:
        return
    from mpi.project_models import list_all_models

    table = Table(title="Models")
    for column in ("name", "where", "trained", "records", "threshold", "splink"):
        table.add_column(column)
    for listed in list_all_models(project_config(ctx)):
        entry, meta = listed.entry, listed.entry.meta
        where = "shipped" if listed.shipped else str(entry.path)
        if listed.shadowed:
            where += (
                f" (shadowed by the project's model: not used; name it shipped:{entry.name})"
                if listed.shipped
                else " (shadows the shipped one)"
            )
        table.add_row(
            entry.name,
            where,
            meta.created_at if meta else "?",
            f"{sum(meta.row_counts.values()):,}" if meta else "?",
            str(meta.thresholds.get("match_probability", "")) if meta else "",
            meta.splink_version if meta else "?",
        )
    console.print(table)


@models.command("show")
@click.argument("name", default="default")
@click.pass_context
@library_errors
def models_show(ctx: click.Context, name: str) -> None:
    """Show a model's comparisons, levels, m, u and match weights.

    Example: mpi models show default
    """
    from mpi.model_report import describe_model

    description = describe_model(project_config(ctx), name)
    console.print(
        f"Model {description.name} ({description.path})\n"
        + f"P(two random records match) = {description.lambda_:.3g} (prior match weight {description.prior_weight:+.2f}); "
        + f"trained {description.created_at}\n"
        + "A level's match weight is log2(m / u): m and u are how often a pair of one person, and of two, "
        + "shows the level. A pair's match weight is the prior's plus one level's of each comparison; "
        + "its match probability is 2^w / (1 + 2^w)."
    )
    if description.shipped:
        console.print(
            "Shipped with mpi: these are its values as shipped. mpi link fits m, u and the match rate to the "
            "store's records before scoring (unless --as-shipped), so a run's pairs were scored with fitted values."
        )
    table = Table(title=f"Model {description.name}: comparison levels")
    for column in ("comparison", "level", "m", "u", "match weight"):
        table.add_column(column, justify="right" if column in ("m", "u", "match weight") else "left")
    for row in description.levels:
        table.add_row(
            row.comparison,
            row.label if row.seen_in_training else f"{row.label} (no pair in training: weight 0)",
            _prob(row.m),
            _prob(row.u),
            "" if row.weight is None else f"{row.weight:+.2f}",
        )
    console.print(table)


def _parameters_text(result: LinkResult) -> str:
    """What the run scored with: a fit to these records, an earlier run's, or the model file's, and why."""
    kept = result.fit_kept
    if result.model_fitted:
        return "fitted to these records"
    if kept is not None:
        return (
            f"run {kept.run_id}'s fit to {kept.records:,} records ({kept.changed_since:,} changed since; "
            f"fitted again from {kept.refit_from:,}, or with --refit)"
        )
    if not result.model_shipped:
        return "the project's own, as trained"
    if result.kind != "full" and result.records_new == 0 and result.records_removed == 0:
        return "unchanged (nothing new to score: the kept pairs keep their scores)"
    return "as shipped"


def _prob(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


@main.command()
@click.option("--model", "model_name", default="default", show_default=True, help="Model to link with.")
@click.option(
    "--threshold", type=float, default=None, help="Match probability to link at (default: the model's)."
)
@click.option("--full", is_flag=True, help="Rescore every pair, not only new and changed records.")
@click.option(
    "--as-shipped",
    is_flag=True,
    help="Link with a shipped model's parameters as they are (by default they are fitted to the store's records).",
)
@click.option(
    "--refit",
    is_flag=True,
    help=(
        "Fit a shipped model to the records again. An incremental link otherwise keeps the last run's "
        "fit until a tenth of the records it was fitted to have changed; --full always fits again."
    ),
)
@click.pass_context
@library_errors
def link(
    ctx: click.Context, model_name: str, threshold: float | None, full: bool, as_shipped: bool, refit: bool
) -> None:
    """Score candidate pairs, cluster them and update the person index (incrementally when possible).

    Example: mpi link --model default --threshold 0.95
    """
    from mpi.link import link_records
    from mpi.merging import KEEP_PAIRS_FROM_PROBABILITY

    if refit and as_shipped:
        raise click.UsageError(
            "--refit fits a shipped model and --as-shipped links without fitting it: give one."
        )
    result = link_records(
        project_config(ctx),
        model_name=model_name,
        threshold=threshold,
        full=full,
        fit_shipped=not as_shipped,
        refit=refit,
        progress=_progress,
    )
    table = Table(
        title=f"Run {result.run_id} ({result.kind}: {result.reason}), model {result.model} at p >= {result.threshold}"
    )
    table.add_column("")
    table.add_column("", justify="right")
    estimated = " (estimated)" if result.comparisons_estimated and result.kind == "full" else ""
    rows = [
        ("records", f"{result.records:,}"),
        ("model parameters", _parameters_text(result)),
        ("new or changed / removed records", f"{result.records_new:,} / {result.records_removed:,}"),
        ("candidate pairs scored", f"{result.comparisons:,}{estimated}"),
        (f"pairs kept (p >= {KEEP_PAIRS_FROM_PROBABILITY:g} or inside a cluster)", f"{result.pairs_kept:,}"),
        ("pairs matched", f"{result.pairs_matched:,}"),
        (
            "forced links / clusters split by unlinks",
            f"{result.clustering.forced_links:,} / {result.clustering.clusters_split_by_unlinks:,}",
        ),
        ("clusters split by pairs against", f"{result.clustering.clusters_split_by_evidence:,}"),
        *(
            [
                (
                    "clusters split by one-record-per-person sources",
                    f"{result.clustering.clusters_split_by_source:,}",
                )
            ]
            if result.clustering.clusters_split_by_source
            else []
        ),
        ("persons", f"{result.ids.persons:,}"),
        ("person ids created / retired", f"{result.ids.ids_created:,} / {result.ids.ids_retired:,}"),
        # New and removed records are counted above: these kept their place in the index but not their id.
        ("records moved to another person id", f"{result.ids.records_moved:,}"),
        (
            "score / cluster / total seconds",
            f"{result.seconds_predict:.1f} / {result.seconds_cluster:.1f} / {result.seconds_total:.1f}",
        ),
    ]
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
    idle = result.overrides_on_missing_records
    if idle:
        print_warning(
            f"{idle:,} override(s) name a record the store no longer holds (a reload removed it), so they did "
            "nothing in this run; they apply again if the record returns. mpi override list shows which, "
            "mpi override remove ID drops one."
        )


@main.group()
def export() -> None:
    """Export tables from the store.

    Example: mpi export index --out person_index.csv
    """


@export.command("index")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CSV or Parquet file (by extension). An existing file is replaced only if it is an earlier export.",
)
@click.option("--force", is_flag=True, help="Replace --out even if it is not an earlier export of the index.")
@click.pass_context
@library_errors
def export_index(ctx: click.Context, out_path: Path, force: bool) -> None:
    """Write (source, record_id, person_id) for every indexed record.

    Example: mpi export index --out person_index.parquet
    """
    from mpi.export import export_person_index

    exported = export_person_index(project_config(ctx), out_path, force=force)
    console.print(f"Wrote {exported.rows:,} rows to {out_path}")
    if exported.records_not_linked or exported.records_gone:
        print_warning(
            f"The index is the last link's: {exported.records_not_linked:,} record(s) ingested since are not in it "
            f"and {exported.records_gone:,} in it are no longer in the store. Run mpi link, then export again."
        )


@main.command()
@click.option(
    "--truth",
    "truth_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CSV or Parquet of source, record_id, person_id (source optional with one source).",
)
@click.option(
    "--record-column",
    default="record_id",
    show_default=True,
    help="The truth file's record id column (Splink's data sets: unique_id).",
)
@click.option(
    "--person-column",
    default="person_id",
    show_default=True,
    help="The truth file's true person column (Splink's data sets: cluster).",
)
@click.option(
    "--source-column",
    default="source",
    show_default=True,
    help="The truth file's source column (it may be left out when the store holds one source).",
)
@click.option(
    "--min-f1", type=click.FloatRange(0, 1), default=None, help="Exit 1 if pairwise F1 is below this."
)
@click.option(
    "--examples",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Example errors to show of each kind.",
)
@click.option("--no-sweep", is_flag=True, help="Skip the threshold sweep.")
@click.pass_context
@library_errors
def evaluate(
    ctx: click.Context,
    truth_path: Path,
    record_column: str,
    person_column: str,
    source_column: str,
    min_f1: float | None,
    examples: int,
    no_sweep: bool,
) -> None:
    """Measure the person index against ground truth: pairwise and B-cubed metrics, recall by evidence, errors, a sweep.

    Example: mpi evaluate --truth truth.csv --min-f1 0.95
    """
    from mpi.cli_render import print_evaluation
    from mpi.quality.evaluate import evaluate_against_truth

    report = evaluate_against_truth(
        project_config(ctx),
        truth_path,
        examples=examples,
        sweep=not no_sweep,
        progress=_progress,
        record_column=record_column,
        person_column=person_column,
        source_column=source_column,
    )
    print_evaluation(console, report)
    if min_f1 is not None and report.metrics.pairwise.f1 < min_f1:
        console.print(
            f"Pairwise F1 {report.metrics.pairwise.f1:.4f} is below --min-f1 {min_f1}", style="bold red"
        )
        sys.exit(EXIT_CHECK_FAILED)


@main.group(invoke_without_command=True)
@click.pass_context
@library_errors
def runs(ctx: click.Context) -> None:
    """List link runs with their counts; `mpi runs undo RUN_ID` undoes the latest.

    "parameters" says what a run scored with: the model file's ("model file"), a shipped model
    fitted to the store by this run ("fitted") or kept from an earlier run's fit ("run N's fit");
    blank when the run scored nothing new and its pairs kept their scores.

    Example: mpi runs
    """
    if ctx.invoked_subcommand is not None:
        return
    from mpi.cli_tables import folding_table
    from mpi.runs import list_runs

    counts = (
        "run",
        "threshold",
        "records",
        "new",
        "pairs scored",
        "persons",
        "ids created",
        "ids retired",
        "seconds",
    )
    table = folding_table(
        "Link runs",
        ("run", "kind", "model", "parameters", "threshold", "records", "new", "pairs scored", "persons",
         "ids created", "ids retired", "finished", "seconds", "undone"),
        numbers=counts,
    )  # fmt: skip
    for r in list_runs(project_config(ctx)):
        table.add_row(
            str(r.run_id), r.kind, r.model, r.parameters or "", f"{r.threshold}", f"{r.records:,}", "" if r.records_new is None else f"{r.records_new:,}",
            f"{r.comparisons:,}", f"{r.persons:,}", f"{r.ids_created:,}", f"{r.ids_retired:,}",
            r.finished_at.strftime("%Y-%m-%d %H:%M:%S"), f"{r.seconds_total:.1f}",
            "" if r.undone_at is None else r.undone_at.strftime("%Y-%m-%d %H:%M:%S"),
        )  # fmt: skip
    console.print(table)


@runs.command("undo")
@click.argument("run_id", type=int)
@click.pass_context
@library_errors
def runs_undo(ctx: click.Context, run_id: int) -> None:
    """Restore the person index, pairs and history to before RUN_ID (the latest run).

    Example: mpi runs undo 7
    """
    from mpi.runs import undo_run

    changed = undo_run(project_config(ctx), run_id)
    console.print(f"Run {run_id} undone: {changed:,} record id change(s) reverted.")


@main.command()
@click.argument("person_id", required=False)
@click.option("--record", "record_key", default=None, help="SOURCE:RECORD_ID instead of a person id.")
@click.pass_context
@library_errors
def history(ctx: click.Context, person_id: str | None, record_key: str | None) -> None:
    """Print the story of a person id, or of one record with --record SOURCE:RECORD_ID.

    Example: mpi history P000000042
    """
    from mpi.cli_tables import folding_table
    from mpi.history import person_story, record_story
    from mpi.overrides import RecordKey

    config = project_config(ctx)
    if (person_id is None) == (record_key is None):
        raise UserFacingError("Give a PERSON_ID or --record SOURCE:RECORD_ID (one of them).", 2)
    if record_key is not None:
        key = RecordKey.parse(record_key)
        story = record_story(config, key.source, key.record_id)
    else:
        story = person_story(config, str(person_id))
    now = (
        f"now {story.current_person_id} with {len(story.current_records)} record(s)"
        if story.current_person_id
        else "not in the index now"
    )
    console.print(f"{story.subject}: {now}")
    for record in story.current_records:
        console.print(f"  {record}")
    table = folding_table(
        f"History of {story.subject}",
        ("run", "time", "event", "person", "record", "from", "to", "detail"),
        numbers=("run",),
    )
    for e in story.events:
        table.add_row(
            str(e.run_id),
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.event,
            e.person_id,
            e.record or "",
            e.from_person_id or "",
            e.to_person_id or "",
            e.detail or "",
        )
    console.print(table)


@main.command()
@click.argument("left")
@click.argument("right")
@click.option(
    "--model",
    "model_name",
    default=None,
    help="Weigh with this model's file instead of the latest run's parameters.",
)
@click.option(
    "--chart",
    "chart_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=(
        "Also write Splink's waterfall chart of the weights to this HTML file "
        "(it holds the records' values, SSNs masked to their last four digits)."
    ),
)
@click.pass_context
@library_errors
def explain(
    ctx: click.Context, left: str, right: str, model_name: str | None, chart_path: Path | None
) -> None:
    """Why two records are, or are not, one person: each comparison's level and weight, and how they were joined.

    Records are SOURCE:RECORD_ID. The pair is weighed with the parameters the latest link run scored
    with, so the probability is the run's (unless records were ingested since).

    Example: mpi explain k12:000123 wages:998877
    """
    from mpi.cli_render import print_explanation
    from mpi.overrides import RecordKey
    from mpi.quality.explain import explain_pair

    explanation = explain_pair(
        project_config(ctx),
        RecordKey.parse(left),
        RecordKey.parse(right),
        model_name=model_name,
        chart_path=chart_path,
    )
    print_explanation(console, explanation)
    if chart_path is not None:
        console.print(f"waterfall chart: {chart_path}")


@main.command()
@click.option(
    "--low",
    type=click.FloatRange(0, 1),
    default=0.2,
    show_default=True,
    help="Lowest match probability shown.",
)
@click.option(
    "--high",
    type=click.FloatRange(0, 1),
    default=0.98,
    show_default=True,
    help="Match probabilities from this up are not shown (1: every pair up to and including 1).",
)
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True, help="Pairs to print.")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write every unsure pair, the records side by side, to this CSV or Parquet file.",
)
@click.pass_context
@library_errors
def review(ctx: click.Context, low: float, high: float, limit: int, out_path: Path | None) -> None:
    """Where the model is unsure: the latest run's pairs scored near its threshold, closest first.

    Pairs an override has decided are left out. Settle one with mpi override link or unlink; see why
    it scored as it did with mpi explain.

    Example: mpi review --low 0.3 --high 0.95 --out review.csv
    """
    from mpi.cli_render import print_review
    from mpi.quality.review import uncertain_pairs

    print_review(
        console, uncertain_pairs(project_config(ctx), low=low, high=high, limit=limit, out_path=out_path)
    )


@main.group()
def override() -> None:
    """Manual decisions that outrank the model: forced links and unlinks.

    Example: mpi override link k12:000123 wages:998877 --by "A. Clerk" --reason "same person, verified by phone"
    """


def _override_command(kind: str) -> Callable[..., None]:
    @click.argument("record_a")
    @click.argument("record_b")
    @click.option("--by", "decided_by", default="unknown", show_default=True, help="Who decided.")
    @click.option("--reason", required=True, help="Why (kept with the decision).")
    @click.pass_context
    @library_errors
    def command(ctx: click.Context, record_a: str, record_b: str, decided_by: str, reason: str) -> None:
        from mpi.overrides import RecordKey, add_override

        made = add_override(
            project_config(ctx),
            kind,
            RecordKey.parse(record_a),
            RecordKey.parse(record_b),
            decided_by=decided_by,
            reason=reason,
        )
        console.print(
            f"Override {made.override_id}: {kind} {made.a} and {made.b}. It applies from the next mpi link."
        )

    return command


override.command("link", help=(
    "Force two records into the same person at every later run.\n\n"
    'Example: mpi override link k12:000123 wages:998877 --by "A. Clerk" --reason "verified"'
))(_override_command("link"))  # fmt: skip
override.command("unlink", help=(
    "Keep two records in different persons at every later run, even if the model links them through others.\n\n"
    'Example: mpi override unlink k12:000123 k12:000124 --reason "twins"'
))(_override_command("unlink"))  # fmt: skip


@override.command("list")
@click.option(
    "--removed", is_flag=True, help="List removed overrides instead, with who removed each, when and why."
)
@click.pass_context
@library_errors
def override_list(ctx: click.Context, removed: bool) -> None:
    """List manual overrides.

    Example: mpi override list
    """
    from mpi.cli_tables import folding_table
    from mpi.overrides import list_overrides, list_removed_overrides

    if removed:
        gone = folding_table(
            "Removed overrides",
            ("id", "kind", "record a", "record b", "decided by", "reason", "created", "removed by",
             "why removed", "removed", "first run without it"),
            numbers=("id", "first run without it"),
        )  # fmt: skip
        for r in list_removed_overrides(project_config(ctx)):
            o = r.override
            gone.add_row(
                str(o.override_id), o.kind, str(o.a), str(o.b), o.decided_by, o.reason,
                o.created_at.strftime("%Y-%m-%d %H:%M"), r.removed_by, r.removal_reason,
                r.removed_at.strftime("%Y-%m-%d %H:%M"),
                "" if r.removal_applied_run is None else str(r.removal_applied_run),
            )  # fmt: skip
        console.print(gone)
        return
    table = folding_table(
        "Overrides",
        (
            "id",
            "kind",
            "record a",
            "record b",
            "by",
            "reason",
            "created",
            "first applied in run",
            "records gone",
        ),
        numbers=("id", "first applied in run"),
    )
    for o in list_overrides(project_config(ctx)):
        table.add_row(
            str(o.override_id),
            o.kind,
            str(o.a),
            str(o.b),
            o.decided_by,
            o.reason,
            o.created_at.strftime("%Y-%m-%d %H:%M"),
            "" if o.first_applied_run is None else str(o.first_applied_run),
            ", ".join(o.missing_records),
        )
    console.print(table)


@override.command("remove")
@click.argument("override_id", type=int)
@click.option("--by", "removed_by", default="unknown", show_default=True, help="Who decided to remove it.")
@click.option("--reason", required=True, help="Why (kept with the removed override).")
@click.pass_context
@library_errors
def override_remove(ctx: click.Context, override_id: int, removed_by: str, reason: str) -> None:
    """Remove an override; the next link clusters those records by the model again.

    The override stays on record: "mpi override list --removed" shows it with who removed it, when and why.

    Example: mpi override remove 3 --by "A. Clerk" --reason "not twins: one record was keyed twice"
    """
    from mpi.overrides import remove_override

    remove_override(project_config(ctx), override_id, removed_by=removed_by, reason=reason)
    console.print(f"Override {override_id} removed. It stops applying from the next mpi link.")


@main.command("hash", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option(
    "--source", "source_name", required=True, help="The source to hash: a [sources.NAME] table in mpi.toml."
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The hashed Parquet file to write (send this file to the hub).",
)
@click.option(
    "--key-file",
    type=click.Path(path_type=Path),
    default=None,
    help="File holding the agencies' shared key (at least 32 bytes). Default: the MPI_HASH_KEY environment variable.",
)
@click.option("--pseudonymize-ids", is_flag=True, help="Replace record ids by keyed pseudonyms.")
@click.option(
    "--id-map",
    "id_map_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --pseudonymize-ids: write record_id,pseudonym here, for the agency only.",
)
@click.option(
    "--salt",
    # Checked in the command, not by click.Choice: click echoes a wrong value, which may be a key pasted there.
    metavar="[birth_year|none]",
    default="birth_year",
    show_default=True,
    help="Record attribute salting the Bloom filters; every agency of a project must use the same.",
)
@click.option("--key", "key_value", hidden=True, default=None)
@click.pass_context
@library_errors
def hash_command(
    ctx: click.Context,
    source_name: str,
    out_path: Path,
    key_file: Path | None,
    pseudonymize_ids: bool,
    id_map_path: Path | None,
    salt: str,
    key_value: str | None,
) -> None:
    """At the agency: encode a source with the shared key into a file the hub can link but not read.

    The source is read, mapped and standardized exactly as "mpi ingest" would; identifiers become
    keyed tokens and Bloom filters, attributes stay in clear, rejected rows are counted and left out.
    The key comes from --key-file or MPI_HASH_KEY, never from the command line.

    Example: mpi hash --source k12 --out k12.hashed.parquet --key-file /secure/mpi_hash.key
    """
    from mpi.privacy.agency import hash_source
    from mpi.privacy.bloom import SALTS, BloomParameters
    from mpi.privacy.keys import KEY_ENV_VAR, load_key

    if key_value is not None:
        raise UserFacingError(
            "--key is refused: a key typed on the command line stays in shell history and process lists. "
            "Put it in a file and pass --key-file PATH, or set MPI_HASH_KEY.",
            2,
        )
    if ctx.args:
        # Not echoed: a key pasted in the wrong place must not reach the terminal or a log.
        raise UserFacingError(
            f"mpi hash got {len(ctx.args)} unexpected argument(s) (not shown, in case one is a key). "
            "It takes --source, --out, --key-file, --pseudonymize-ids, --id-map and --salt; the key comes "
            "from --key-file PATH or MPI_HASH_KEY.",
            2,
        )
    key = load_key(key_file)
    given = [
        source_name,
        str(out_path),
        str(id_map_path or ""),
        salt,
        str(ctx.find_root().params.get("config") or ""),
    ]
    if any(key.appears_in(value) for value in given):
        # A key pasted as another option's value (--out, --id-map, --source) would be echoed by its
        # error or become a file name.
        raise UserFacingError(
            "A value given to mpi hash holds the hashing key (not shown). Pass the key only with --key-file "
            "PATH or MPI_HASH_KEY, and give --source, --out, --id-map, --salt and --config their own values.",
            2,
        )
    key_file_mode = key_file.stat().st_mode & 0o777 if key_file is not None else 0
    if key_file_mode & 0o077:
        print_warning(
            f"The key file can be read by other users of this machine (mode {key_file_mode:o}): "
            "make it the owner's only, e.g. chmod 600 on it."
        )
    if salt not in SALTS:
        raise UserFacingError(
            f"--salt must be one of {', '.join(SALTS)} (the value given is not shown, in case it is a key).",
            2,
        )
    if key_file is not None and os.environ.get(KEY_ENV_VAR, "").strip():
        # Both ways were given: say which one hashed, so a stale variable is not taken for the key used.
        print_warning(f"{KEY_ENV_VAR} is set too; the key file given with --key-file is the one used.")
    result = hash_source(
        project_config(ctx),
        source_name,
        out_path,
        key,
        pseudonymize_ids=pseudonymize_ids,
        id_map_path=id_map_path,
        bloom=BloomParameters(salt=salt),
        progress=_progress,
        protect={key_file: "the key file"} if key_file else None,
    )
    table = Table(title=f"Hashed {result.source} -> {result.out_path}")
    table.add_column("")
    table.add_column("", justify="right")
    reasons = ", ".join(f"{k}: {v:,}" for k, v in result.reject_reasons.items()) or "-"
    for label, value in (
        ("rows read", f"{result.rows_read:,}"),
        ("records hashed", f"{result.rows_written:,}"),
        ("rows rejected (left out)", f"{result.rows_rejected:,}"),
        ("reject reasons", reasons),
        ("record ids", "keyed pseudonyms" if result.pseudonymized_ids else "the agency's own"),
        ("key fingerprint", result.key_fingerprint),
        ("Bloom filter salt", result.parameters.bloom.salt),
        ("seconds", f"{result.seconds:.1f}"),
    ):
        table.add_row(label, value)
    console.print(table)
    if result.field_issues:
        issues = Table(title="Values set to null (counts only)")
        for column in ("field", "column", "problem", "count"):
            issues.add_column(column, justify="right" if column == "count" else "left")
        for fi in result.field_issues:
            issues.add_row(fi.field, fi.column, fi.issue, f"{fi.count:,}")
        console.print(issues)
        _print_fixes(result.field_issues)
    if result.id_map_path:
        console.print(f"Record id map (keep it at the agency): {result.id_map_path}")
    # Attributes go in clear, as mpi.toml lists them: say which, so that no one sends an
    # identifier listed there by mistake (a case number) believing the file holds none.
    in_clear = (
        f" Its attributes are in clear, as mpi.toml lists them: {', '.join(result.attributes)}; "
        "check that none identifies a person."
        if result.attributes
        else ""
    )
    console.print(
        f"Send {result.out_path} to the hub. It holds no clear identifier of the mapped fields; the hub checks "
        f"the key fingerprint against the other agencies' files.{in_clear}"
    )
