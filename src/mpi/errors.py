"""The exception tree and the CLI's exit codes."""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2


class MpiError(Exception):
    """Root of every error mpi raises on purpose."""


class MpiUserError(MpiError):
    """A problem the user can fix (config, input, usage): the CLI prints it and exits 2."""

    exit_code = EXIT_USAGE


class ConfigError(MpiUserError):
    """mpi.toml is missing or invalid; carries every problem found, not just the first."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s) in the config:\n{lines}")


class InputError(MpiUserError):
    """An agency file cannot be read or mapped as configured."""


class CheckFailed(MpiError):
    """A check or quality gate failed (exit 1): the run itself was fine."""

    exit_code = EXIT_CHECK_FAILED


def and_list(items: list[str]) -> str:
    """Items as a message lists them: "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def first_line(exc: BaseException) -> str:
    """The first non-blank line of an exception's message (a library's errors run to many lines)."""
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


EXIT_INTERRUPTED = 130  # as shells report a command stopped by Ctrl-C

INTERRUPTED_MESSAGE = "Interrupted. What this command had not finished was not kept: a store it was changing is as it was before."


def environment_error(exc: BaseException) -> tuple[str, int] | None:
    """What to tell the user of an error that comes from the machine, not from mpi or its input, with
    the exit code: a query interrupted (Ctrl-C inside DuckDB, which Splink wraps in its own exception),
    DuckDB out of memory, a file the system would not read or write. None for anything else (a bug:
    keep its traceback).

    The whole chain of causes is searched, since Splink re-raises DuckDB's errors as its own.
    """
    import duckdb  # imported here: the CLI starts without it

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, duckdb.InterruptException) or str(seen).startswith("Query interrupted"):
            return INTERRUPTED_MESSAGE, EXIT_INTERRUPTED
        if isinstance(seen, duckdb.OutOfMemoryException):
            return (
                f"DuckDB ran out of memory ({first_line(seen)}). Raise memory_limit under [store] in mpi.toml "
                "(docs/config.md) or free memory on this machine; the store is as it was before this command.",
                EXIT_USAGE,
            )
        if isinstance(seen, duckdb.IOException | PermissionError | IsADirectoryError | NotADirectoryError):
            return (
                f"A file could not be read or written: {first_line(seen)}. Check the path and its permissions.",
                EXIT_USAGE,
            )
        seen = seen.__cause__ or seen.__context__
    return None
