-- A disabled webhook (disabled_at set, see 0008) records no new events, as if
-- it subscribed to none: both functions of 0007 again, with that one condition.

CREATE OR REPLACE FUNCTION enqueue_webhook_event(
	p_owner uuid,
	p_event_type text,
	p_data jsonb,
	p_only_webhook uuid DEFAULT NULL
) RETURNS SETOF uuid AS $$
DECLARE
	v_event_id uuid := gen_random_uuid();
	v_payload jsonb := jsonb_build_object(
		'id', v_event_id,
		'type', p_event_type,
		'createdAt', to_char(now() AT TIME ZONE 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
		'data', p_data
	);
	v_delivery_id uuid;
BEGIN
	FOR v_delivery_id IN
		INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload)
		SELECT w.id, v_event_id, p_event_type, v_payload
		FROM webhooks w
		WHERE w.user_id = p_owner
			AND w.disabled_at IS NULL
			AND (CASE WHEN p_only_webhook IS NULL THEN p_event_type = ANY (w.events) ELSE w.id = p_only_webhook END)
		RETURNING id
	LOOP
		-- 8 attempts with graphile-worker's backoff (exp(n) seconds) span about half an hour.
		PERFORM graphile_worker.add_job(
			'deliver-webhook',
			json_build_object('deliveryId', v_delivery_id),
			max_attempts := 8
		);
		RETURN NEXT v_delivery_id;
	END LOOP;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION images_webhook_event() RETURNS trigger AS $$
DECLARE
	row images;
	v_event_type text;
BEGIN
	IF TG_OP = 'DELETE' THEN
		row := OLD;
		v_event_type := 'image.deleted';
	ELSE
		row := NEW;
		v_event_type := CASE WHEN NEW.overall_status = 'failed' THEN 'image.failed' ELSE 'image.completed' END;
	END IF;
	-- Most users have no enabled webhook: skip building the event at all.
	IF NOT EXISTS (
		SELECT 1 FROM webhooks w
		WHERE w.user_id = row.user_id AND w.disabled_at IS NULL AND v_event_type = ANY (w.events)
	) THEN
		RETURN NULL;
	END IF;
	PERFORM enqueue_webhook_event(row.user_id, v_event_type, jsonb_build_object(
		'imageId', row.id,
		'filename', row.filename,
		'status', row.status,
		'aiStatus', row.ai_status,
		'overallStatus', row.overall_status,
		'error', row.error,
		'aiError', row.ai_error
	));
	RETURN NULL;
END;
$$ LANGUAGE plpgsql;
