from django.urls import path

from detoxdesk.intake import views

app_name = "intake"
urlpatterns = [
    path("intake/", views.queue, name="queue"),
    path("intake/new/", views.new_inquiry, name="new"),
    path("intake/settings/", views.intake_settings, name="settings"),
    path("intake/inquiries/<uuid:inquiry_uuid>/", views.inquiry, name="inquiry"),
    path("intake/inquiries/<uuid:inquiry_uuid>/contact/", views.log_contact, name="log_contact"),
    path("intake/inquiries/<uuid:inquiry_uuid>/schedule/", views.schedule, name="schedule"),
    path("intake/inquiries/<uuid:inquiry_uuid>/close/", views.close, name="close"),
    path("intake/inquiries/<uuid:inquiry_uuid>/convert/", views.convert, name="convert"),
    path(
        "intake/inquiries/<uuid:inquiry_uuid>/returning/",
        views.link_returning,
        name="link_returning",
    ),
    path(
        "patients/<uuid:patient_uuid>/evaluations/new/",
        views.start_evaluation,
        name="start_evaluation",
    ),
    path("evaluations/", views.worklist, name="worklist"),
    path("evaluations/<uuid:evaluation_uuid>/", views.evaluation, name="evaluation"),
    path("evaluations/<uuid:evaluation_uuid>/edit/", views.evaluation_edit, name="evaluation_edit"),
    path("evaluations/<uuid:evaluation_uuid>/level/", views.decide_level, name="decide_level"),
    path("evaluations/<uuid:evaluation_uuid>/sign/", views.sign_evaluation, name="sign_evaluation"),
    path("evaluations/<uuid:evaluation_uuid>/plan/", views.draft_plan, name="draft_plan"),
    path("evaluations/<uuid:evaluation_uuid>/admit/", views.admit, name="admit"),
    path("plans/<uuid:plan_uuid>/", views.plan, name="plan"),
    path("plans/<uuid:plan_uuid>/sign/", views.sign_plan, name="sign_plan"),
]
