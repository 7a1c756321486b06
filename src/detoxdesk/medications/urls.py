"""Orders, administrations and the safety engine."""

from django.urls import path

from detoxdesk.medications import views

app_name = "medications"
urlpatterns = [
    path("episodes/<uuid:episode_uuid>/medications/", views.mar, name="mar"),
    path("episodes/<uuid:episode_uuid>/orders/new/", views.order_sets, name="order_sets"),
    path(
        "episodes/<uuid:episode_uuid>/orders/new/<slug:protocol>/",
        views.new_order,
        name="new_order",
    ),
    path("episodes/<uuid:episode_uuid>/medication-facts/", views.edit_facts, name="facts"),
    path(
        "episodes/<uuid:episode_uuid>/home-medications/new/",
        views.add_home_medication,
        name="add_home_medication",
    ),
    path(
        "episodes/<uuid:episode_uuid>/home-medications/<uuid:row_uuid>/stop/",
        views.stop_home_medication,
        name="stop_home_medication",
    ),
    path(
        "episodes/<uuid:episode_uuid>/medication-alerts/review/",
        views.review_alert,
        name="review_alert",
    ),
    path("episodes/<uuid:episode_uuid>/pdmp/", views.pdmp_check, name="pdmp"),
    path("orders/<uuid:line_uuid>/", views.order_detail, name="order"),
    path("orders/<uuid:line_uuid>/change/", views.modify_order, name="modify_order"),
    path("orders/<uuid:line_uuid>/<slug:change>/", views.change_status, name="order_status"),
    path("orders/<uuid:line_uuid>/doses/new/", views.record_dose, name="record_dose"),
    path("settings/medications/", views.medication_settings, name="settings"),
    path("settings/alcohol-withdrawal/", views.alcohol_protocol_settings, name="alcohol_protocol"),
]
