"""Operator console for entitlements (nothing registered yet)."""
