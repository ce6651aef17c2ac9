"""Real processes for the composed-fault tests and the chaos benchmark (benchmarks/chaos.py).

A private PostgreSQL cluster (so a run may terminate its connections or stop it), a private Redis,
gunicorn serving the webhooks, task-cluster nodes and outbox workers, all started as separate
processes against the fake Twilio. Only the public contract is used: the webhooks, ``enqueue``,
the models' rows, the fake's record and the processes themselves.
"""
