-- Remove everything a source contributed before its new load is written (in the same transaction).
DELETE FROM records WHERE source = $source;
DELETE FROM attributes WHERE source = $source;
DELETE FROM rejects WHERE source = $source;
