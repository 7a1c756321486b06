"""Taper plans and morphine milligram equivalents."""
