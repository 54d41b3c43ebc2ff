"""The audit trail: who did what with the node's intelligence, append-only and hash-chained."""
