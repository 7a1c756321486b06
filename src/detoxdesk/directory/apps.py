from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "detoxdesk.directory"
    label = "directory"
    verbose_name = "Resource directory"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.directory.events import EVENTS

        register(EVENTS)
