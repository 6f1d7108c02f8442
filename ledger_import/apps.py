from django.apps import AppConfig


class LedgerImportConfig(AppConfig):
    name = "ledger_import"
    verbose_name = "台帳の取込"

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from .services import tag_history

        pre_create_historical_record.connect(tag_history, dispatch_uid="ledger_import_tag_history")
