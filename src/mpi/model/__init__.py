"""Comparisons and blocking for person records, training, and the model registry."""

from __future__ import annotations

from mpi.model.backend import create_model_input_view, make_db_api, make_linker, model_input_sql
from mpi.model.columns import check_model_fits_table, columns_by_use, required_columns
from mpi.model.errors import ModelError
from mpi.model.person import DEFAULT_MODEL_NAME, build_person_model
from mpi.model.predict import (
    ComparisonCounts,
    RuleComparisons,
    cluster_pairs,
    compute_term_frequency_tables,
    count_comparisons,
    drop_splink_tables,
    linker_for_model,
    predict_pairs,
    register_records,
    term_frequency_columns,
)
from mpi.model.registry import (
    ModelEntry,
    ModelMeta,
    list_models,
    load_meta,
    load_model,
    load_model_file,
    load_model_for_table,
    save_model,
)
from mpi.model.spec import BlockingRuleSpec, ColumnRef, ComparisonSpec, LevelSpec, ModelSpec
from mpi.model.splink_settings import settings_creator, settings_dict
from mpi.model.trained import LevelParameters, TrainedModel, TrainedParameters, TrainingStats
from mpi.model.training import default_u_max_pairs, fit_to_records, train_model

__all__ = [
    "DEFAULT_MODEL_NAME",
    "BlockingRuleSpec",
    "ColumnRef",
    "ComparisonCounts",
    "ComparisonSpec",
    "LevelParameters",
    "LevelSpec",
    "ModelEntry",
    "ModelError",
    "ModelMeta",
    "ModelSpec",
    "RuleComparisons",
    "TrainedModel",
    "TrainedParameters",
    "TrainingStats",
    "build_person_model",
    "check_model_fits_table",
    "cluster_pairs",
    "columns_by_use",
    "compute_term_frequency_tables",
    "count_comparisons",
    "create_model_input_view",
    "default_u_max_pairs",
    "drop_splink_tables",
    "fit_to_records",
    "linker_for_model",
    "list_models",
    "load_meta",
    "load_model",
    "load_model_file",
    "load_model_for_table",
    "make_db_api",
    "make_linker",
    "model_input_sql",
    "predict_pairs",
    "register_records",
    "required_columns",
    "save_model",
    "settings_creator",
    "settings_dict",
    "term_frequency_columns",
    "train_model",
]
