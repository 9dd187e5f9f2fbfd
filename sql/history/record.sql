-- Every event about one record. Parameters: $source, $record_id.
SELECT h.run_id, r.finished_at, h.event, h.person_id, h.source || ':' || h.record_id,
       h.from_person_id, h.to_person_id, h.detail
FROM person_history AS h
JOIN runs AS r USING (run_id)
WHERE h.source = $source AND h.record_id = $record_id
ORDER BY h.run_id;
