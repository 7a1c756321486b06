"""Exact query counts of pages more than one test file pins."""

# The chart: the stage panels, the results panel (results, findings), the notes panel (1), the
# episodes list (1) and pregnancy on the header (medication facts, evaluation, a pregnancy test: 3).
CHART_QUERIES = 40
