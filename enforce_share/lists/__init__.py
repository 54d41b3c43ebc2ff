"""Reference lists: the official screening lists and the CHPL, imported locally, kept as history."""
