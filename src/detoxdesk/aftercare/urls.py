from django.urls import path

from detoxdesk.aftercare import views

app_name = "aftercare"
urlpatterns = [
    path("follow-ups/", views.follow_ups, name="follow_ups"),
]
