-- Two records of a source that holds one record per person (one_record_per_person in mpi.toml) that
-- connected components put in one cluster: mpi.clustering keeps them apart like an unlink, unless a
-- forced link joins the two themselves (a person's decision on the pair outranks the file's rule).
-- Parameter: $sources (the source names). mpi__clusters holds the connected components.
INSERT INTO mpi__apart
SELECT a.unique_id, b.unique_id, 'one record per person'
FROM mpi__clusters AS a
JOIN mpi__clusters AS b
    ON a.cluster_id = b.cluster_id AND a.source = b.source AND a.unique_id < b.unique_id
WHERE list_contains($sources, a.source)
  AND NOT EXISTS (
      SELECT 1 FROM mpi__forced_links AS f
      WHERE (f.unique_id_l = a.unique_id AND f.unique_id_r = b.unique_id)
         OR (f.unique_id_l = b.unique_id AND f.unique_id_r = a.unique_id)
  );
