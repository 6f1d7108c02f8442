from django.urls import path

from . import public_views, views

app_name = "enrollment"

_one = "programs/<slug:slug>/applications/<int:application_pk>/"
_mine = "p/applications/<str:access_token>/"

urlpatterns = [
    # Public: applicants have no account (the follow pages are keyed by the e-mailed token).
    path("p/<slug:slug>/apply/", public_views.apply, name="apply"),
    path("p/<slug:slug>/postal/", public_views.postal_lookup, name="postal"),
    path("p/<slug:slug>/facilities/", public_views.public_facilities, name="public-facilities"),
    path("p/<slug:slug>/forms/application.pdf", public_views.blank_form, {"document": "application"},
         name="blank-application-pdf"),
    path("p/<slug:slug>/forms/pledge.pdf", public_views.blank_form, {"document": "pledge"}, name="blank-pledge-pdf"),
    path(_mine, public_views.follow, name="follow"),
    path(_mine + "correct/", public_views.correct, name="correct"),
    path(_mine + "withdraw/", public_views.withdraw, name="withdraw"),
    path(_mine + "confirm/<str:key>/", public_views.confirm_email, name="confirm-email"),
    path(_mine + "application.pdf", public_views.follow_document, {"document": "application"},
         name="follow-application-pdf"),
    path(_mine + "pledge.pdf", public_views.follow_document, {"document": "pledge"}, name="follow-pledge-pdf"),
    path(_mine + "notice.pdf", public_views.follow_document, {"document": "notice"}, name="follow-notice-pdf"),
    # The secretariat.
    path("programs/<slug:slug>/applications/", views.application_list, name="application-list"),
    path(_one, views.application_detail, name="application-detail"),
    path(_one + "approve/", views.application_approve, name="application-approve"),
    path(_one + "return/", views.application_return, name="application-return"),
    path(_one + "reject/", views.application_reject, name="application-reject"),
    path(_one + "acknowledge/", views.application_acknowledge, name="application-acknowledge"),
    path(_one + "invite/", views.application_resend_invitations, name="application-invite"),
    path(_one + "application.pdf", views.application_document, {"document": "application"},
         name="application-pdf"),
    path(_one + "pledge.pdf", views.application_document, {"document": "pledge"}, name="application-pledge-pdf"),
    path(_one + "notice.pdf", views.application_document, {"document": "notice"}, name="application-notice-pdf"),
    path("programs/<slug:slug>/facilities.csv", views.facility_ledger_csv, name="facility-ledger-csv"),
]
