-- pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
ALTER TABLE "images" ADD COLUMN "taken_at" timestamp with time zone;--> statement-breakpoint
-- Images processed before this column: the EXIF date the worker stored (ISO 8601 UTC).
UPDATE "images" SET "taken_at" = ("metadata" -> 'exif' ->> 'takenAt')::timestamptz
WHERE "metadata" -> 'exif' ->> 'takenAt' ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$';--> statement-breakpoint
CREATE INDEX "images_user_taken_idx" ON "images" USING btree ("user_id","taken_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "images_filename_trgm_idx" ON "images" USING gin ("filename" gin_trgm_ops);
