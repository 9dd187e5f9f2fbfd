"""The one exception the model layer raises on purpose."""

from __future__ import annotations

from mpi.errors import MpiUserError


class ModelError(MpiUserError):
    """A model file is malformed, does not fit the records table, or cannot be trained.

    The message names the model and the object at fault, and says what to do.
    """
