"""Read-only admin: reports change only through the compile and publish services, which
record who did what; the admin shows the jobs, their documents and logs."""

from django.contrib import admin

from reports.models import CycleConclusions, Report, ReportDocument


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReportDocumentInline(admin.TabularInline):
    model = ReportDocument
    fields = ["symbol", "title", "pages", "sha256", "inputs_sha256", "reused_from", "render_seconds"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "cycle", "language", "status", "progress", "pages", "published", "created_at"]
    list_filter = ["status", "published", "language"]
    search_fields = ["cycle__slug", "cycle__document_symbol", "sha256"]
    list_select_related = ["cycle"]
    inlines = [ReportDocumentInline]


@admin.register(CycleConclusions)
class CycleConclusionsAdmin(ReadOnlyAdmin):
    list_display = ["cycle", "updated_by", "updated_at"]
    list_select_related = ["cycle", "updated_by"]
