from django.urls import path

from detoxdesk.beds import views

app_name = "beds"
urlpatterns = [
    path("beds/", views.board, name="board"),
    path("intake/inquiries/<uuid:inquiry_uuid>/bed/", views.reserve, name="reserve"),
    path("beds/reservations/<uuid:reservation_uuid>/release/", views.release, name="release"),
    path("beds/<uuid:facility_uuid>/<str:label>/cleaned/", views.cleaned, name="cleaned"),
    path(
        "beds/<uuid:facility_uuid>/<str:label>/cleaning/",
        views.needs_cleaning,
        name="needs_cleaning",
    ),
    path("beds/<uuid:facility_uuid>/<str:label>/move/", views.move, name="move"),
]
