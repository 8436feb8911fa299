ALTER TABLE "images" ADD COLUMN "ai_completed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "images" ADD COLUMN "search" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple',
				filename || ' ' || regexp_replace(filename, '[^[:alnum:]]+', ' ', 'g') || ' ' ||
				coalesce(ai->>'summary', '') || ' ' ||
				coalesce(ai->>'ocrText', '') || ' ' ||
				coalesce(ai->'tags', '[]'::jsonb)::text)) STORED;--> statement-breakpoint
CREATE INDEX "images_search_idx" ON "images" USING gin ("search");--> statement-breakpoint
CREATE INDEX "images_tags_idx" ON "images" USING gin (("ai" -> 'tags'));--> statement-breakpoint
CREATE INDEX "images_user_ai_completed_idx" ON "images" USING btree ("user_id","ai_completed_at");