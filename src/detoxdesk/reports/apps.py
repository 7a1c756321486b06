from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "detoxdesk.reports"
    label = "reports"
    verbose_name = "Program quality reports"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.reports.events import EVENTS

        register(EVENTS)
