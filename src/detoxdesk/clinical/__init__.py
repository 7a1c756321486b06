"""Clinical rules and knowledge for Detox Desk: pure Python, standard library only, no Django.

The numbers live in the TOML files under ``knowledge/``; every rule names the source key it rests
on.
"""
