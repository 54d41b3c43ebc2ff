"""Entity resolution: the same diversionary actor reported by several agencies, linked."""
