from django.urls import path

from . import views

app_name = "facilities"

urlpatterns = [
    path("programs/<slug:slug>/", views.program_detail, name="program-detail"),
    path("programs/<slug:slug>/facilities/", views.facility_list, name="facility-list"),
    path("facilities/<int:facility_pk>/", views.facility_detail, name="facility-detail"),
]
