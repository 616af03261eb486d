"""Operator console for customers (nothing registered yet)."""
