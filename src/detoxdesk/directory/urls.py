from django.urls import path

from detoxdesk.directory import views

app_name = "directory"
urlpatterns = [
    path("resources/", views.resource_list, name="list"),
    path("resources/new/", views.resource_add, name="add"),
    path("resources/<uuid:resource_uuid>/", views.resource_detail, name="detail"),
    path("resources/<uuid:resource_uuid>/edit/", views.resource_edit, name="edit"),
    path("resources/<uuid:resource_uuid>/verify/", views.resource_verify, name="verify"),
    path("find-help/", views.public_search, name="search"),
]
