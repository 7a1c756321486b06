"""Discharge, resource directory and follow-ups."""
