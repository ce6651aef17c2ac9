"""Djobea's URLs plus the two baselines the benchmarks compare against."""

from django.urls import include, path

from benchmarks import bare

urlpatterns = [
    path("bare/ok/", bare.ok),
    path("bare/reply/", bare.reply),
    path("", include("djobea.urls")),
]
