from django.urls import path

from detoxdesk.tapers import views

app_name = "tapers"
urlpatterns = [
    path("mme/", views.mme, name="mme"),
    path("tapers/settings/", views.program_settings, name="settings"),
    path(
        "tapers/settings/diazepam-equivalents/",
        views.diazepam_equivalents,
        name="diazepam_equivalents",
    ),
    path("episodes/<uuid:episode_uuid>/tapers/new/", views.new_plan, name="new"),
    path("episodes/<uuid:episode_uuid>/opioids/new/", views.record_opioid, name="record_opioid"),
    path(
        "episodes/<uuid:episode_uuid>/opioids/<uuid:opioid_uuid>/stop/",
        views.stop_opioid,
        name="stop_opioid",
    ),
    path("tapers/<uuid:plan_uuid>/", views.plan_detail, name="plan"),
    path("tapers/<uuid:plan_uuid>/steps/<str:day>/", views.edit_step, name="edit_step"),
    path("tapers/<uuid:plan_uuid>/sign/", views.sign_plan, name="sign"),
    path("tapers/<uuid:plan_uuid>/hold/", views.hold_plan, name="hold"),
    path("tapers/<uuid:plan_uuid>/resume/", views.resume_plan, name="resume"),
    path("tapers/<uuid:plan_uuid>/cancel/", views.cancel_plan, name="cancel"),
    path("tapers/<uuid:plan_uuid>/hard-day/", views.report_hard_day, name="hard_day"),
    path("tapers/<uuid:plan_uuid>/calendar/", views.calendar, name="calendar"),
]
