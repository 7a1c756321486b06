from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "detoxdesk.intake"
    label = "intake"
    verbose_name = "Inquiries, evaluation, placement and treatment plans"
