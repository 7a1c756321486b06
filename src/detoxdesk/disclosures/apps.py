from django.apps import AppConfig


class DisclosuresConfig(AppConfig):
    name = "detoxdesk.disclosures"
    label = "disclosures"
    verbose_name = "Part 2 consents, disclosures and their accounting"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.disclosures.events import EVENTS

        register(EVENTS)
