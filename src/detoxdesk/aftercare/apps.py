from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "detoxdesk.aftercare"
    label = "aftercare"
    verbose_name = "Discharge, resource directory and follow-ups"
