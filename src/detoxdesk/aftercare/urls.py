"""Discharge (the bundle, signing, the printable summary), follow-ups and their settings."""

from django.urls import path

from detoxdesk.aftercare import views

app_name = "aftercare"
D = "discharges/<uuid:discharge_uuid>/"
urlpatterns = [
    path("episodes/<uuid:episode_uuid>/discharge/", views.start, name="start"),
    path(D, views.bundle, name="bundle"),
    path(f"{D}against-advice/", views.ama, name="ama"),
    path(f"{D}items/<slug:code>/", views.item, name="item"),
    path(f"{D}referrals/", views.referrals, name="referrals"),
    path(
        f"{D}referrals/<uuid:referral_uuid>/remove/",
        views.remove_referral,
        name="remove_referral",
    ),
    path(f"{D}appointments/new/", views.add_appointment, name="add_appointment"),
    path(f"{D}summary/edit/", views.edit_summary, name="edit_summary"),
    path(f"{D}sign/", views.sign, name="sign"),
    path(f"{D}summary/", views.summary, name="summary"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<uuid:follow_up_uuid>/", views.record_follow_up, name="record_follow_up"),
    path("aftercare/settings/", views.aftercare_settings, name="settings"),
]
