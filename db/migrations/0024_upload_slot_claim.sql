-- An upload slot claimed in one round trip instead of four (begin, lock,
-- claim, commit): app/images/upload-admission.server.ts. The advisory lock
-- lets one claim per user run at a time, so two cannot both take the last
-- slot; it is held until the calling statement's transaction ends. A
-- VOLATILE function takes a fresh snapshot for each statement, so the count
-- after the lock sees every claim committed before it.
CREATE FUNCTION claim_upload_slot(p_user_id uuid, p_cap int, p_ttl_seconds int) RETURNS uuid
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	slot uuid;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended('upload-slots:' || p_user_id::text, 0));
	DELETE FROM upload_slots WHERE user_id = p_user_id AND expires_at <= now();
	INSERT INTO upload_slots (user_id, expires_at)
	SELECT p_user_id, now() + make_interval(secs => p_ttl_seconds)
	WHERE (SELECT count(*) FROM upload_slots WHERE user_id = p_user_id) < p_cap
	RETURNING id INTO slot;
	RETURN slot;
END
$$;
