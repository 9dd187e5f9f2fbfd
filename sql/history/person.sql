-- Every event about a person id, or that moved a record into or out of it. Parameter: $person_id.
SELECT h.run_id, r.finished_at, h.event, h.person_id,
       CASE WHEN h.source IS NOT NULL THEN h.source || ':' || h.record_id END,
       h.from_person_id, h.to_person_id, h.detail
FROM person_history AS h
JOIN runs AS r USING (run_id)
WHERE h.person_id = $person_id OR h.from_person_id = $person_id OR h.to_person_id = $person_id
ORDER BY h.run_id, h.event, h.source, h.record_id;
