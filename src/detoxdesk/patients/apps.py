from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "detoxdesk.patients"
    label = "patients"
    verbose_name = "Patients, episodes and beds"
