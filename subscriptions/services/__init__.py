"""Subscription writes, one module per concern: ``provisioning``, ``cancellation``, ``lifecycle`` (the jobs'
per-item work), ``invoices``; ``common`` holds what they share (locks, slots, ending, invoicing)."""
