"""Orders, administrations and the safety engine."""
