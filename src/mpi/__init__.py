"""mpi: master person index on Splink and DuckDB."""
