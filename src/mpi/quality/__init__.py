"""Accuracy of a clustering against known truth, computed inside DuckDB."""
