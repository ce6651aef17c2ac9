"""Admin for the catalogue the marketplace matches on: quarters (zones) and trades (service categories)."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import ServiceCategory, Zone


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "aliases", "neighbour_count", "provider_count"]
    list_filter = ["city"]
    search_fields = ["name", "aliases", "landmarks"]
    filter_horizontal = ["neighbours"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _neighbours=Count("neighbours", distinct=True),
                _providers=Count("providers", filter=Q(providers__is_active=True), distinct=True),
            )
        )

    @admin.display(description=_("neighbours"), ordering="_neighbours")
    def neighbour_count(self, zone):
        return zone._neighbours

    @admin.display(description=_("active providers"), ordering="_providers")
    def provider_count(self, zone):
        return zone._providers


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "name_en", "slug", "provider_count", "keyword_count"]
    search_fields = ["name_fr", "name_en", "slug", "keywords"]
    prepopulated_fields = {"slug": ["name_en"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_providers=Count("providers", filter=Q(providers__is_active=True), distinct=True))
        )

    @admin.display(description=_("active providers"), ordering="_providers")
    def provider_count(self, category):
        return category._providers

    @admin.display(description=_("keywords"))
    def keyword_count(self, category):
        return len(category.keyword_list())
