"""Who may use the node: users, their roles, API tokens and passwords."""
