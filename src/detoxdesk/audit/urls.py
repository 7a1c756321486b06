from django.urls import path

from detoxdesk.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
    path("report.csv", views.export, name="export"),
]
