"""Records: the per-origin signed log, its queries, and ingestion of partners' records."""
