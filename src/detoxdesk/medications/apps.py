from django.apps import AppConfig


class MedicationsConfig(AppConfig):
    name = "detoxdesk.medications"
    label = "medications"
    verbose_name = "Orders, administrations and the safety engine"
