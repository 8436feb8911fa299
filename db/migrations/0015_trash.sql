ALTER TABLE "images" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "images_deleted_at_idx" ON "images" USING btree ("deleted_at") WHERE "images"."deleted_at" is not null;--> statement-breakpoint
-- Moving an image to the trash is its deletion for clients: webhooks hear
-- image.deleted then (as before, when DELETE removed the row), and not again
-- when the trash is purged. Restoring sends nothing.
CREATE OR REPLACE FUNCTION images_webhook_event() RETURNS trigger AS $$
DECLARE
	row images;
	v_event_type text;
BEGIN
	IF TG_OP = 'DELETE' THEN
		row := OLD;
		IF OLD.deleted_at IS NOT NULL THEN
			RETURN NULL;
		END IF;
		v_event_type := 'image.deleted';
	ELSIF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
		row := NEW;
		v_event_type := 'image.deleted';
	ELSIF NEW.deleted_at IS NOT NULL OR OLD.deleted_at IS NOT NULL THEN
		-- Restored, or changed while in the trash: not a new terminal state.
		RETURN NULL;
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
--> statement-breakpoint
CREATE TRIGGER images_webhook_trashed
	AFTER UPDATE ON images
	FOR EACH ROW
	WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
	EXECUTE FUNCTION images_webhook_event();
--> statement-breakpoint
-- Open pages hear a trashed image as deleted and a restored one as inserted.
CREATE OR REPLACE FUNCTION notify_image_event() RETURNS trigger AS $$
DECLARE
	row images;
	v_type text := lower(TG_OP);
BEGIN
	IF TG_OP = 'DELETE' THEN
		row := OLD;
	ELSE
		row := NEW;
	END IF;
	IF TG_OP = 'UPDATE' AND OLD.deleted_at IS DISTINCT FROM NEW.deleted_at THEN
		v_type := CASE WHEN NEW.deleted_at IS NULL THEN 'insert' ELSE 'delete' END;
	ELSIF TG_OP = 'UPDATE' AND NEW.deleted_at IS NOT NULL THEN
		-- Changes inside the trash are nobody's news.
		RETURN NULL;
	ELSIF TG_OP = 'DELETE' AND OLD.deleted_at IS NOT NULL THEN
		RETURN NULL;
	END IF;
	PERFORM pg_notify('image_events', json_build_object(
		'type', v_type,
		'id', row.id,
		'userId', row.user_id,
		'status', row.status,
		'aiStatus', row.ai_status,
		'overallStatus', row.overall_status,
		'updatedAt', row.updated_at
	)::text);
	RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER images_notify_trash
	AFTER UPDATE ON images
	FOR EACH ROW
	WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
	EXECUTE FUNCTION notify_image_event();
