"""The Django admin, for secretariat administrators only (see ``has_permission``)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from portal.models import AuditEntry, Designation, Respondent, User
from portal.request import client_ip


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = (*UserAdmin.fieldsets, (_("Portal"), {"fields": ("role", "language", "position")}))
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-factor authentication (the person is told by e-mail)"))
    def reset_two_factor(self, request, queryset):
        from portal.two_factor import two_factor_reset

        for person in queryset:
            two_factor_reset(user=person, by=request.user, ip_address=client_ip(request))
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication reset for %(count)d person.",
                "Two-factor authentication reset for %(count)d people.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


class CredentialAdmin(admin.ModelAdmin):
    """A list without links: a credential's own page would show its secret (a TOTP key) or
    its text (a token's holds its digest)."""

    list_display_links = None
    search_fields = ["user__username"]
    list_select_related = ["user"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        raise PermissionDenied

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Other people's credentials: listed, never shown, made or changed here. A person makes and
# revokes their own token and devices; an administrator resets a second factor through the
# audited action on people above.
for model in (AuthToken, TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(AuthToken)
class ApiTokenAdmin(CredentialAdmin):
    list_display = ["user", "created", "expiry"]


@admin.register(TOTPDevice)
class AuthenticatorAdmin(CredentialAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]


@admin.register(StaticDevice)
class RecoveryCodesAdmin(CredentialAdmin):
    list_display = ["user", "name", "created_at", "last_used_at"]


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
