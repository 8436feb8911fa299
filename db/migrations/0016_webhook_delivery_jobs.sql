-- How a delivery's job is queued, in one place: enqueue_webhook_event (every
-- event) and the resend of a delivery (app/webhooks/webhooks.server.ts) both
-- call enqueue_webhook_delivery. One queue per webhook, so its deliveries run
-- one at a time (0013, decision 006), and 8 attempts, which with
-- graphile-worker's backoff (exp(n) seconds) span about half an hour.
-- plpgsql, not sql: its body is checked when it runs, after graphile-worker's
-- own migrations (db/migrate.ts) have created graphile_worker.add_job.
CREATE OR REPLACE FUNCTION enqueue_webhook_delivery(p_delivery_id uuid, p_webhook_id uuid)
RETURNS void AS $$
BEGIN
	PERFORM graphile_worker.add_job(
		'deliver-webhook',
		json_build_object('deliveryId', p_delivery_id),
		queue_name := 'webhook:' || p_webhook_id,
		max_attempts := 8
	);
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- enqueue_webhook_event of 0013 again, queuing through enqueue_webhook_delivery.
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
		PERFORM enqueue_webhook_delivery(v_delivery.id, v_delivery.webhook_id);
		RETURN NEXT v_delivery.id;
	END LOOP;
END;
$$ LANGUAGE plpgsql;
