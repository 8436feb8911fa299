-- Admin is a role on the account (decision 011), no longer an email listed in
-- ADMIN_EMAILS; existing instances get theirs from `npm run admin -- grant`,
-- or ADMIN_EMAILS promoting accounts that already exist at start.
-- failed_sign_ins and sign_in_blocked_until pace sign-ins per account.
ALTER TABLE "users" ADD COLUMN "role" text DEFAULT 'user' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "failed_sign_ins" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "sign_in_blocked_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_check" CHECK ("users"."role" in ('user', 'admin'));