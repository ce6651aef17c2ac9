"""The inbound side: Twilio's webhooks, the form, store-once, the outage spool, processing.

- ``signed``: body size, encoding and signature (no database needed)
- ``webhook``: the two views (messages, status callbacks)
- ``form`` / ``clean`` / ``store``: validate, make PostgreSQL-safe, store once per MessageSid
- ``callbacks``: status callbacks made safe for ``messaging.outbox.receipts``
- ``spool``: requests kept on local disk while the database is down, drained when it is back
- ``flood``: per-sender throttling of floods and auto-responder loops
- ``processing`` / ``tasks``: the task-cluster side (handler, retry, dead letter)
"""
