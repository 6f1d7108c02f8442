from django.urls import path

from . import review_views, views

app_name = "groups"

urlpatterns = [
    path("programs/<slug:slug>/groups/", views.group_list, name="group-list"),
    path("programs/<slug:slug>/groups/new/", views.group_create, name="group-create"),
    path("programs/<slug:slug>/groups/dashboard/", views.dashboard, name="dashboard"),
    path("programs/<slug:slug>/groups/mcs-tasks/", views.task_list, name="task-list"),
    path("programs/<slug:slug>/groups/association-admin/", views.association_admin, name="association-admin"),
    path("programs/<slug:slug>/reviews/", review_views.campaign_list, name="campaign-list"),
    path("programs/<slug:slug>/reviews/new/", review_views.campaign_create, name="campaign-create"),
    path("facilities/<int:facility_pk>/groups/", views.facility_dashboard, name="facility-dashboard"),
    path("groups/<int:group_pk>/", views.group_detail, name="group-detail"),
    path("groups/<int:group_pk>/members/add/", views.member_add, name="member-add"),
    path("groups/<int:group_pk>/members/add-person/", views.person_add, name="person-add"),
    path("groups/<int:group_pk>/members/association-admin/", views.association_admin_add,
         name="association-admin-add"),
    path("groups/<int:group_pk>/leader/", views.group_leader, name="group-leader"),
    path("groups/<int:group_pk>/archive/", views.group_archive, name="group-archive"),
    path("groups/<int:group_pk>/restore/", views.group_restore, name="group-restore"),
    path("groups/<int:group_pk>/deletion/", views.group_deletion, name="group-deletion"),
    path("memberships/<int:membership_pk>/respond/", views.member_respond, name="member-respond"),
    path("follow-ups/<int:decision_pk>/settle/", views.follow_up_settle, name="follow-up-settle"),
    path("memberships/<int:membership_pk>/remove/", views.member_remove, name="member-remove"),
    path("mcs-tasks/<int:task_pk>/confirm/", views.task_confirm, name="task-confirm"),
    path("reviews/campaigns/<int:campaign_pk>/", review_views.campaign_detail, name="campaign-detail"),
    path("reviews/campaigns/<int:campaign_pk>/report.pdf", review_views.campaign_report_pdf,
         name="campaign-report-pdf"),
    path("reviews/campaigns/<int:campaign_pk>/report/<uuid:file_pk>/", review_views.campaign_report_ready,
         name="campaign-report-ready"),
    path("reviews/campaigns/<int:campaign_pk>/report.csv", review_views.campaign_report_csv,
         name="campaign-report-csv"),
    path("reviews/<int:review_pk>/", review_views.review_worksheet, name="review-worksheet"),
    path("reviews/<int:review_pk>/complete/", review_views.review_complete, name="review-complete"),
    path("reviews/<int:review_pk>/report.pdf", review_views.review_report_pdf, name="review-report-pdf"),
    path("reviews/<int:review_pk>/report.csv", review_views.review_report_csv, name="review-report-csv"),
]
