CREATE TABLE "backfill_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"requested_by" uuid,
	"total" integer NOT NULL,
	"queued" integer DEFAULT 0 NOT NULL,
	"cursor" uuid,
	"queued_all" boolean DEFAULT false NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "backfill_runs" ADD CONSTRAINT "backfill_runs_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "backfill_runs_running_idx" ON "backfill_runs" USING btree ("kind") WHERE "backfill_runs"."status" = 'running';--> statement-breakpoint
CREATE INDEX "backfill_runs_kind_created_idx" ON "backfill_runs" USING btree ("kind","created_at" DESC NULLS LAST);--> statement-breakpoint
-- Rendition hits are answered from memory that each web process forgets on
-- this notification (app/renditions/hits.server.ts): a version bump must
-- notify even when the status did not change (an image asked to run again
-- while it was still pending).
DROP TRIGGER images_notify_update ON images;
--> statement-breakpoint
CREATE TRIGGER images_notify_update
	AFTER UPDATE ON images
	FOR EACH ROW
	WHEN (OLD.status IS DISTINCT FROM NEW.status
		OR OLD.ai_status IS DISTINCT FROM NEW.ai_status
		OR OLD.thumbnail IS DISTINCT FROM NEW.thumbnail
		OR OLD.ai IS DISTINCT FROM NEW.ai
		OR OLD.version IS DISTINCT FROM NEW.version)
	EXECUTE FUNCTION notify_image_event();
