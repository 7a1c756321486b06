from django.urls import path

from detoxdesk.intake import public_views

app_name = "public"
urlpatterns = [
    path("", public_views.home, name="home"),
    path("what-to-expect/", public_views.what_to_expect, name="what_to_expect"),
    path("medications/", public_views.medications, name="medications"),
    path("after-detox/", public_views.after_detox, name="after_detox"),
    path("get-help/", public_views.get_help, name="get_help"),
    path("get-help/thanks/", public_views.thanks, name="thanks"),
]
