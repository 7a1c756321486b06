"""The demo: loads every app's demo data, in order, into an empty database (``load_demo``)."""
