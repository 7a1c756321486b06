from django.urls import path

from detoxdesk.intake import views

app_name = "intake"
urlpatterns = [
    path("intake/", views.queue, name="queue"),
]
