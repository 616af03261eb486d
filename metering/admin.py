"""Operator console for metering (nothing registered yet)."""
