"""Models of subscriptions (none yet)."""
