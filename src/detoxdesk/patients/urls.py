from django.urls import path

from detoxdesk.patients import views

app_name = "patients"
urlpatterns = [
    path("patients/<uuid:patient_uuid>/allergies/", views.allergies_page, name="allergies"),
    path(
        "patients/<uuid:patient_uuid>/allergies/none-known/",
        views.no_known_allergies,
        name="no_known_allergies",
    ),
    path("allergies/<uuid:allergy_uuid>/edit/", views.edit_allergy, name="edit_allergy"),
    path("allergies/<uuid:allergy_uuid>/remove/", views.remove_allergy, name="remove_allergy"),
    path("patients/<uuid:patient_uuid>/demographics/", views.demographics, name="demographics"),
    path("episodes/<uuid:episode_uuid>/interval/", views.episode_interval, name="episode_interval"),
    path("episodes/<uuid:episode_uuid>/code-status/", views.code_status, name="code_status"),
    path("patients/search/", views.search, name="search"),
    path("settings/program/", views.program_settings, name="program_settings"),
    path("settings/go-live/", views.go_live, name="go_live"),
]
