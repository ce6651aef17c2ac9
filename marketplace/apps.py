from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self):
        from core.i18n import register_choices, register_label
        from marketplace import related, selectors
        from marketplace.models import Urgency

        related.connect()
        register_label("trade", selectors.trade_name)
        register_choices("urgency", Urgency)
