"""``python -m detoxdesk``: the same as the ``detoxdesk`` command."""

from detoxdesk.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
