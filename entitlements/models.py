"""Models of entitlements (none yet)."""
