from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        from messaging import related
        from messaging.inbound import redrive_inbound
        from messaging.outbox import notification_redrive
        from reliability.dead_letters import register_redrive_handler

        register_redrive_handler("notification", notification_redrive)
        register_redrive_handler("inbound", redrive_inbound)
        related.connect()
