from django.urls import reverse


def nav(user):
    return [("ポリシー比較", reverse("policy:compare"))]


def panels(user):
    return []
