"""Models of customers (none yet)."""
