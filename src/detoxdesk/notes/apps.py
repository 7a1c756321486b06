from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "detoxdesk.notes"
    label = "notes"
    verbose_name = "Progress notes, signatures and amendment requests"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.notes.events import EVENTS

        register(EVENTS)
