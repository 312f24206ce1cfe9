"""The Django admin, for secretariat administrators only (see ``has_permission``)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from portal.models import AuditEntry, Designation, Respondent, User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = (*UserAdmin.fieldsets, (_("Portal"), {"fields": ("role", "language", "position")}))


@admin.register(Respondent)
class RespondentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_fr", "kind", "regional_group", "is_active"]
    list_filter = ["kind", "regional_group", "is_active"]
    search_fields = ["code", "name_en", "name_fr"]


@admin.register(Designation)
class DesignationAdmin(admin.ModelAdmin):
    """Read-only: designations change through the portal's pages, which record who and why."""

    list_display = [
        "respondent",
        "person",
        "kind",
        "may_submit",
        "communication",
        "designated_at",
        "designated_by",
        "withdrawn_at",
    ]
    list_filter = ["kind", "respondent__regional_group"]
    search_fields = ["respondent__name_en", "person__username", "person__email", "communication"]
    list_select_related = ["respondent", "person", "designated_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id", "respondent", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id", "actor__username"]
    list_select_related = ["actor", "respondent"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
