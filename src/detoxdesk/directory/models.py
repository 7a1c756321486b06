"""The resource directory: treatment, meetings, housing and support to refer people to."""
