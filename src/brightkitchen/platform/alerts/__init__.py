"""alerts domain."""
