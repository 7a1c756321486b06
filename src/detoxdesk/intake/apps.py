from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "detoxdesk.intake"
    label = "intake"
    verbose_name = "Inquiries, evaluation, placement and treatment plans"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.intake.events import EVENTS

        register(EVENTS)
