-- The audit trail's detail is a JSON object. Availability's writer passed json.dumps(...) to a jsonb
-- parameter of a connection whose codec encodes again, so its rows hold a JSON *string* of an object
-- ("{\"weekly\": 5, ...}"). consult/audit.py is now the only writer (text cast to jsonb); this turns the
-- stored strings back into the objects they spell, and the CHECK keeps every future row an object.
UPDATE audit_log
SET detail = (detail #>> '{}')::jsonb
WHERE jsonb_typeof(detail) = 'string' AND left(detail #>> '{}', 1) = '{';

UPDATE audit_log SET detail = jsonb_build_object('text', detail) WHERE jsonb_typeof(detail) <> 'object';

ALTER TABLE audit_log ADD CONSTRAINT audit_log_detail_is_an_object CHECK (jsonb_typeof(detail) = 'object');
