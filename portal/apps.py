from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_cache_table(sender, using, **kwargs):
    """Without CACHE_URL the shared cache is a database table, which no migration creates:
    make it with every migrate, so that no deployment, demo or copy of the database lacks it
    (createcachetable leaves an existing table alone)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        post_migrate.connect(_create_cache_table, sender=self, dispatch_uid="portal.create_cache_table")


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "portal.admin_site.SecretariatAdminSite"
