from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class SecretariatAdminSite(admin.AdminSite):
    """The admin, open to secretariat administrators (and superusers) only: a staff flag
    alone does not let a correspondent or a Commission member in."""

    site_header = _("CCPCJ portal administration")
    site_title = _("CCPCJ portal administration")

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or (user.is_staff and user.is_secretariat_admin))
