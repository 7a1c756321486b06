from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "detoxdesk.board"
    label = "board"
    verbose_name = "Census board and patient chart"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.board.events import EVENTS

        register(EVENTS)
