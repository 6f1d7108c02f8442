from django.shortcuts import render

from facilities.models import Role

from .navigation import panels


def home(request):
    roles = Role.objects.active().filter(user=request.user).select_related("program", "facility")
    return render(request, "home.html", {"roles": roles, "panels": panels(request.user)})


def error_404(request, exception):
    return render(request, "errors/404.html", status=404)


def error_403(request, exception):
    return render(request, "errors/403.html", status=403)
