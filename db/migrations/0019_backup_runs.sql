CREATE TABLE "backup_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"trigger" text NOT NULL,
	"outcome" text DEFAULT 'running' NOT NULL,
	"target" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"location" text,
	"name" text,
	"bytes" bigint,
	"duration_ms" integer,
	"rows" bigint,
	"objects" integer,
	"pruned" integer,
	"error" text
);
--> statement-breakpoint
CREATE INDEX "backup_runs_started_at_idx" ON "backup_runs" USING btree ("started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "backup_runs_succeeded_idx" ON "backup_runs" USING btree ("finished_at" DESC NULLS LAST) WHERE "backup_runs"."outcome" = 'succeeded';