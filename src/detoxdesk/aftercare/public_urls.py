from django.urls import path

from detoxdesk.aftercare import public_views

app_name = "directory"
urlpatterns = [
    path("find-help/", public_views.search, name="search"),
]
