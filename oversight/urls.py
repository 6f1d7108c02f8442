from django.urls import path

from . import device_views, views

app_name = "oversight"

urlpatterns = [
    path("programs/<slug:slug>/incidents/", views.incident_list, name="incident-list"),
    path("programs/<slug:slug>/incidents/new/", views.incident_create, name="incident-create"),
    path("programs/<slug:slug>/incidents/summary/", views.incident_summary, name="incident-summary"),
    path("programs/<slug:slug>/incidents.csv", views.incident_csv, name="incident-csv"),
    path("incidents/<int:incident_pk>/", views.incident_detail, name="incident-detail"),
    path("incidents/<int:incident_pk>/actions/new/", views.incident_action, name="incident-action"),
    path("incidents/<int:incident_pk>/steps/", views.incident_step, name="incident-step"),
    path("incidents/<int:incident_pk>/assess/", views.incident_assess, name="incident-assess"),
    path("incidents/<int:incident_pk>/close/", views.incident_close, name="incident-close"),
    path("incidents/<int:incident_pk>/reopen/", views.incident_reopen, name="incident-reopen"),
    path("incidents/<int:incident_pk>/report.pdf", views.incident_pdf, name="incident-pdf"),
    path("programs/<slug:slug>/guidance/", views.guidance_list, name="guidance-list"),
    path("programs/<slug:slug>/guidance/new/", views.guidance_create, name="guidance-create"),
    path("guidance/<int:guidance_pk>/", views.guidance_detail, name="guidance-detail"),
    path("programs/<slug:slug>/admin-notices/", views.notice_list, name="notice-list"),
    path("programs/<slug:slug>/admin-notices/new/", views.notice_create, name="notice-create"),
    path("programs/<slug:slug>/admin-notices/administrators.csv", views.admin_roster_csv, name="admin-roster-csv"),
    path("admin-notices/<int:admin_notice_pk>/", views.notice_detail, name="notice-detail"),
    path("admin-notices/<int:admin_notice_pk>/read/", views.notice_confirm, name="notice-confirm"),
    path("facilities/<int:facility_pk>/devices/", device_views.device_list, name="device-list"),
    path("facilities/<int:facility_pk>/devices/new/", device_views.device_create, name="device-create"),
    path("devices/<int:device_pk>/retire/", device_views.device_retire, name="device-retire"),
    path("facilities/<int:facility_pk>/device-requests/new/", device_views.device_request_create,
         name="device-request-create"),
    path("device-requests/<int:device_request_pk>/", device_views.device_request_detail, name="device-request"),
    path("device-requests/<int:device_request_pk>/decide/", device_views.device_request_decide,
         name="device-request-decide"),
    path("programs/<slug:slug>/disaster/", device_views.disaster, name="disaster"),
    path("programs/<slug:slug>/disaster/open/", device_views.disaster_open, name="disaster-open"),
    path("disasters/<int:disaster_pk>/close/", device_views.disaster_close, name="disaster-close"),
    path("facilities/<int:facility_pk>/secondary-use/", device_views.secondary_use_list, name="secondary-use-list"),
    path("facilities/<int:facility_pk>/secondary-use/new/", device_views.secondary_use_create,
         name="secondary-use-create"),
    path("programs/<slug:slug>/secondary-use/", device_views.program_secondary_uses, name="program-secondary-uses"),
]
