from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "detoxdesk.board"
    label = "board"
    verbose_name = "Census board and patient chart"
