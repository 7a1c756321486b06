"""The patient portal."""
