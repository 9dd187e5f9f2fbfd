"""`python -m mpi ...`: the `mpi` command where the console script is not on PATH (e.g. a venv not activated)."""

from mpi.cli import main

main(prog_name="mpi")
