"""Federation: authenticated feeds between partner nodes, and the puller that follows them."""
