from django.urls import path

from detoxdesk.directory import views

app_name = "directory"
urlpatterns = [
    path("resources/", views.resource_list, name="list"),
    path("find-help/", views.public_search, name="search"),
]
