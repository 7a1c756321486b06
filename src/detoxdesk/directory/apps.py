from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "detoxdesk.directory"
    label = "directory"
    verbose_name = "Resource directory"
