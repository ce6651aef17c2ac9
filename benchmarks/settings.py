"""Djobea's settings with the baseline views mounted (benchmarks.urls), for side-by-side runs under one gunicorn."""

from djobea.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
