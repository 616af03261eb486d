"""Models of credits (none yet)."""
