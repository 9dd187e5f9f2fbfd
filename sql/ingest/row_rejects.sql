-- Rows that cannot be indexed, with the reason the agency needs to fix them.
-- Reads mpi__identifiable (mpi__row, record_id, has_identifier) made by mpi.ingest.
CREATE OR REPLACE TEMP TABLE mpi__row_rejects AS
SELECT mpi__row, record_id, reason, detail
FROM (
    SELECT
        mpi__row,
        record_id,
        CASE
            WHEN record_id IS NULL THEN 'missing record id'
            WHEN count(*) OVER (PARTITION BY record_id) > 1 THEN 'duplicate record id'
            WHEN NOT has_identifier THEN 'no identifying field'
        END AS reason,
        CASE
            WHEN record_id IS NULL THEN 'the record id column is empty'
            WHEN count(*) OVER (PARTITION BY record_id) > 1
                THEN (count(*) OVER (PARTITION BY record_id))::VARCHAR || ' rows share this record id'
            WHEN NOT has_identifier THEN 'no usable name, date of birth, SSN, address, phone, email or shared id'
        END AS detail
    FROM mpi__identifiable
)
WHERE reason IS NOT NULL;
