from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "detoxdesk.exports"
    label = "exports"
    verbose_name = "Records that leave: the FHIR bundle and the full EHI export"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.exports.events import EVENTS

        register(EVENTS)
