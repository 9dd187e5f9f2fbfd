-- Store version 12: the parameters each link run scored its pairs with (a shipped model fitted to
-- the store's records, and the prior match rate set for its population), as an mpi model file's
-- JSON. `mpi explain` weighs a pair with them, so it gives the score the run gave. A run that
-- scored nothing (an incremental run with no new records) has no row: its pairs are an earlier run's.
CREATE TABLE IF NOT EXISTS run_models (
    run_id      INTEGER PRIMARY KEY,
    model_json  VARCHAR NOT NULL
);
