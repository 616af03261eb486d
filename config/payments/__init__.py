"""Collecting money through a payment provider, below every app that charges: the gateway a provider implements
(``gateway``) and the one crash-safe way to call it (``provider_calls``)."""
