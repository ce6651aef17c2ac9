from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        from core.i18n import register_choices
        from messaging import related
        from messaging.health import OutboxLag, TwilioConfiguration, outbox_metrics
        from messaging.inbound.processing import redrive_inbound
        from messaging.models import Channel
        from messaging.outbox import notification_redrive
        from reliability.dead_letters import register_redrive_handler
        from reliability.health import register_health_check
        from reliability.metrics import register_metrics_collector

        register_redrive_handler("notification", notification_redrive)
        register_redrive_handler("inbound", redrive_inbound)
        register_health_check(OutboxLag)
        register_health_check(TwilioConfiguration)
        register_metrics_collector("outbox", outbox_metrics)
        related.connect()
        register_choices("channel", Channel)
