from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "detoxdesk.staff"
    label = "staff"
    verbose_name = "Staff administration and emergency access"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.staff.events import EVENTS

        register(EVENTS)
