"""Member organisations of the alliance."""
