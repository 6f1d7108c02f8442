from django.urls import path

from . import views

app_name = "policy"

urlpatterns = [
    path("compare/", views.compare, name="compare"),
]
