ALTER TABLE "sessions" ADD COLUMN "scopes" text[] DEFAULT '{"read","write","webhooks","tokens"}' NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "user_agent" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "ip" text;