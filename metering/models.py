"""Models of metering (none yet)."""
