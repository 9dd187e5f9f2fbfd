-- Store version 16: which run fitted the parameters a run scored with. A shipped model is fitted to
-- the store's records; an incremental link keeps that fit while few records have changed since
-- (mpi.shipped_fit). NULL: the parameters were not fitted (a project's own model, a shipped one
-- as shipped), or the run predates this column (the next link that scores fits again).
ALTER TABLE run_models ADD COLUMN IF NOT EXISTS fitted_by_run INTEGER;
