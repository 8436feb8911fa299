-- Every change to an image's state is announced on the `image_events` channel,
-- whoever made it (worker, web, cleanup). The web process LISTENs and forwards
-- the owner's events to their open pages (GET /api/events). NOTIFY is sent at
-- commit, so a page never hears of a change it cannot read yet.
CREATE OR REPLACE FUNCTION notify_image_event() RETURNS trigger AS $$
DECLARE
	row images;
BEGIN
	IF TG_OP = 'DELETE' THEN
		row := OLD;
	ELSE
		row := NEW;
	END IF;
	PERFORM pg_notify('image_events', json_build_object(
		'type', lower(TG_OP),
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
CREATE TRIGGER images_notify_insert_delete
	AFTER INSERT OR DELETE ON images
	FOR EACH ROW EXECUTE FUNCTION notify_image_event();
--> statement-breakpoint
CREATE TRIGGER images_notify_update
	AFTER UPDATE ON images
	FOR EACH ROW
	WHEN (OLD.status IS DISTINCT FROM NEW.status
		OR OLD.ai_status IS DISTINCT FROM NEW.ai_status
		OR OLD.thumbnail IS DISTINCT FROM NEW.thumbnail
		OR OLD.ai IS DISTINCT FROM NEW.ai)
	EXECUTE FUNCTION notify_image_event();
