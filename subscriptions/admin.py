"""Operator console for subscriptions (nothing registered yet)."""
