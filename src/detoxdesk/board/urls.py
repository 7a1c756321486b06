"""The census board and the chart. They keep the ``patients:`` names and paths they always had:
config/urls.py mounts these patterns in the ``patients`` namespace beside the patient record's."""

from django.urls import path

from detoxdesk.board import views

urlpatterns = [
    path("start/", views.staff_home, name="home"),
    path("census/", views.census, name="census"),
    path("census/handoff/", views.handoff_report, name="handoff"),
    path("patients/<uuid:patient_uuid>/", views.chart, name="chart"),
]
