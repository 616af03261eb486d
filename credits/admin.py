"""Operator console for credits (nothing registered yet)."""
