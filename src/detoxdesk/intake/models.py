"""Inquiries, evaluation, placement and treatment plans."""
