"""Writes on requests and offers: transitions (the state machine), escalation, offers, lifecycle,
providers. Imports go one way: lifecycle → offers → escalation → transitions, no cycle."""
