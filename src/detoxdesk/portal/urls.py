from django.urls import path

from detoxdesk.portal import views

app_name = "portal"
urlpatterns = [
    path("my/", views.home, name="home"),
]
