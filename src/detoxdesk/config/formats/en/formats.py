"""The one way dates and times are shown on every page: "Tue 1 Dec 2026", "Tue 1 Dec 2026 18:26".

Templates name these formats (``|date``, ``|date:"DATETIME_FORMAT"``, ``|date:"SHORT_DATE_FORMAT"``
where the year is plain from the page, ``|date:"SHORT_DATETIME_FORMAT"``) instead of spelling a
format out, so every page agrees (tests/config/test_date_formats.py checks). Times are shown in
the program's time zone (``patients.middleware``). Date inputs are ``type=date`` and read and
write ISO dates (``DATE_INPUT_FORMATS`` is Django's, ISO first).
"""

DATE_FORMAT = "D j M Y"
DATETIME_FORMAT = "D j M Y H:i"
SHORT_DATE_FORMAT = "D j M"
SHORT_DATETIME_FORMAT = "D j M H:i"
TIME_FORMAT = "H:i"
