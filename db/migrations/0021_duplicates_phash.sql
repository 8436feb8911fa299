ALTER TABLE "images" ADD COLUMN "phash" bigint;--> statement-breakpoint
ALTER TABLE "images" ADD COLUMN "duplicate_of" uuid;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_duplicate_of_images_id_fk" FOREIGN KEY ("duplicate_of") REFERENCES "public"."images"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "images_user_sha256_idx" ON "images" USING btree ("user_id","sha256");