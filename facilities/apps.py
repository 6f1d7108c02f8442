from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = "ネットワークと施設"

    def ready(self):
        from accounts import hooks as account_hooks

        from .models import Program

        account_hooks.public_programs.connect(Program.objects.public_list)
