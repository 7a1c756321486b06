from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "detoxdesk.exports"
    label = "exports"
    verbose_name = "Records that leave: the FHIR bundle and the full EHI export"
