-- Deliveries to one webhook run one at a time: each job goes into the
-- graphile-worker queue named after its webhook ('webhook:' || id), so a slow
-- or stalled endpoint holds at most one delivery slot, however many events it
-- has queued; other webhooks' deliveries run beside it (decision 006).
-- enqueue_webhook_event of 0009 again, with that queue name.

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
	v_delivery record;
BEGIN
	FOR v_delivery IN
		INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload)
		SELECT w.id, v_event_id, p_event_type, v_payload
		FROM webhooks w
		WHERE w.user_id = p_owner
			AND w.disabled_at IS NULL
			AND (CASE WHEN p_only_webhook IS NULL THEN p_event_type = ANY (w.events) ELSE w.id = p_only_webhook END)
		RETURNING id, webhook_id
	LOOP
		-- 8 attempts with graphile-worker's backoff (exp(n) seconds) span about half an hour.
		PERFORM graphile_worker.add_job(
			'deliver-webhook',
			json_build_object('deliveryId', v_delivery.id),
			queue_name := 'webhook:' || v_delivery.webhook_id,
			max_attempts := 8
		);
		RETURN NEXT v_delivery.id;
	END LOOP;
END;
$$ LANGUAGE plpgsql;
