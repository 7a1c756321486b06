from django.urls import path

from detoxdesk.portal import views

app_name = "portal"
urlpatterns = [
    path("my/", views.home, name="home"),
    path("my/sows/", views.sows, name="sows"),
    path("my/craving/", views.craving, name="craving"),
    path("my/discharge-summary/", views.summary, name="summary"),
    path("my/invitation/<str:token>/", views.accept, name="accept"),
    path("patients/<uuid:patient_uuid>/portal-invite/", views.invite, name="invite"),
]
