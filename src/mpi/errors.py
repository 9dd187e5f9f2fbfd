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


def first_line(exc: BaseException) -> str:
    """The first non-blank line of an exception's message (a library's errors run to many lines)."""
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
