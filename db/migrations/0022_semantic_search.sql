CREATE TABLE "embedding_usage" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"model" text NOT NULL,
	"input_tokens" integer NOT NULL,
	"cost_usd" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "image_embeddings" (
	"image_id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"model" text NOT NULL,
	"dimensions" integer NOT NULL,
	"text_hash" text NOT NULL,
	"embedding" real[] NOT NULL,
	"signature" bit varying NOT NULL,
	"quantized" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "query_embeddings" (
	"model" text NOT NULL,
	"dimensions" integer NOT NULL,
	"text_hash" text NOT NULL,
	"embedding" real[] NOT NULL,
	"signature" bit varying NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"used_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "query_embeddings_model_dimensions_text_hash_pk" PRIMARY KEY("model","dimensions","text_hash")
);
--> statement-breakpoint
ALTER TABLE "embedding_usage" ADD CONSTRAINT "embedding_usage_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "image_embeddings" ADD CONSTRAINT "image_embeddings_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "image_embeddings" ADD CONSTRAINT "image_embeddings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "embedding_usage_user_created_idx" ON "embedding_usage" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "image_embeddings_user_model_idx" ON "image_embeddings" USING btree ("user_id","model","dimensions") INCLUDE ("signature", "image_id");--> statement-breakpoint
CREATE INDEX "query_embeddings_used_at_idx" ON "query_embeddings" USING btree ("used_at");--> statement-breakpoint
-- pgvector where the server offers it (most managed PostgreSQL services do):
-- the same vectors as `vector(512)` with an HNSW cosine index. Without it, or
-- without the right to create it, semantic search runs on real[] and the
-- signatures instead (decision 028); the sub-block's handler undoes a partial try.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
		BEGIN
			CREATE EXTENSION IF NOT EXISTS vector;
			ALTER TABLE "image_embeddings" ADD COLUMN "embedding_vector" vector(512);
			CREATE INDEX "image_embeddings_vector_idx" ON "image_embeddings"
				USING hnsw ("embedding_vector" vector_cosine_ops);
		EXCEPTION WHEN OTHERS THEN
			RAISE NOTICE 'pgvector not usable (%): semantic search uses the real[] fallback', SQLERRM;
		END;
	END IF;
END $$;
