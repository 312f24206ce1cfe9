"""REST API of the reports domain: request a compile (a job), follow it, download the report.

Paths are relative: ``portal/api_urls.py`` mounts ``urlpatterns`` under /api/v1/. Thin views:
parse, fetch through ``reports.selectors`` (a report the person may not see is a 404), call
one service; ``portal.api.exception_handler`` gives errors the API's one shape.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import renderers, serializers, status
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from portal.api import StrictSerializer, error_responses
from portal.errors import PermissionDenied
from questionnaires.selectors import cycle_get_for_user
from reports import selectors, services
from reports.models import Report


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for application/pdf; errors still go out as JSON bytes."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data) if not isinstance(data, bytes) else data


def _url(request, name: str, **kwargs) -> str:
    """An absolute URL in the namespace the API is mounted under (e.g. "api")."""
    namespace = request.resolver_match.namespace if request.resolver_match else ""
    return request.build_absolute_uri(reverse(f"{namespace}:{name}" if namespace else name, kwargs=kwargs))


class ReportRequestIn(StrictSerializer):
    language = serializers.ChoiceField(choices=[code for code, _name in settings.LANGUAGES], default="en")
    cutoff = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Only versions created by then are compiled; default: now."
    )


class ReportJobOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="Where to follow the compile (GET).")


class ReportDocumentOut(serializers.Serializer):
    symbol = serializers.CharField(help_text="E.g. E/CN.15/1999/3 or E/CN.15/1999/3/Add.1.")
    url = serializers.URLField(help_text="Download of the PDF.")
    sha256 = serializers.CharField()
    pages = serializers.IntegerField()


class ReportOut(serializers.Serializer):
    id = serializers.IntegerField()
    cycle = serializers.CharField(source="cycle.slug")
    language = serializers.CharField()
    status = serializers.ChoiceField(choices=Report.Status.choices)
    progress = serializers.IntegerField(help_text="0 to 100.")
    stage = serializers.CharField(help_text="collecting, rendering document k of n, done, failed …")
    error = serializers.CharField()
    cutoff = serializers.DateTimeField()
    sha256 = serializers.CharField(help_text="Of the whole set of documents, once done.")
    pages = serializers.IntegerField()
    published = serializers.BooleanField()
    published_at = serializers.DateTimeField(allow_null=True)
    documents = serializers.SerializerMethodField()

    @extend_schema_field(ReportDocumentOut(many=True))
    def get_documents(self, report: Report) -> list[dict]:
        if report.status != Report.Status.DONE:
            return []
        request = self.context["request"]
        return ReportDocumentOut(
            [
                {
                    "symbol": d.symbol,
                    "url": request.build_absolute_uri(
                        reverse("reports:document_download", kwargs={"pk": d.pk, "filename": d.filename})
                    ),
                    "sha256": d.sha256,
                    "pages": d.pages,
                }
                for d in report.documents.order_by("position")
            ],
            many=True,
        ).data


@extend_schema(
    request=ReportRequestIn,
    responses={202: ReportJobOut, **error_responses(400, 404, 409)},
    summary="Compile the cycle's report (secretariat)",
)
class ReportRequestApi(APIView):
    """Queue a compile of the cycle's report; 202 with the job to follow. One compile per
    cycle at a time: 409 while one is queued or running."""

    def post(self, request, slug: str):
        if not request.user.is_secretariat:
            raise PermissionDenied("Only the secretariat compiles reports.")
        data = ReportRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        cycle = cycle_get_for_user(user=request.user, slug=slug)
        report = services.report_request(
            cycle=cycle,
            user=request.user,
            language=data.validated_data["language"],
            cutoff=data.validated_data.get("cutoff"),
        )
        return ApiResponse(
            {"id": report.pk, "url": _url(request, "report_detail", pk=report.pk)},
            status=status.HTTP_202_ACCEPTED,
        )


@extend_schema(responses={200: ReportOut, **error_responses(404)}, summary="A report and its compile")
class ReportDetailApi(APIView):
    """The compile's state and, once done, its documents. Commission members see published
    reports only; everyone else but the secretariat none."""

    def get(self, request, pk: int):
        report = selectors.report_get_for_user(user=request.user, pk=pk)
        return ApiResponse(ReportOut(report, context={"request": request}).data)


@extend_schema(
    responses={
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The main document."),
        **error_responses(404),
    },
    summary="The report's main document (PDF)",
)
class ReportPdfApi(APIView):
    """The main document as PDF: any done report for the secretariat, published ones for
    Commission members."""

    renderer_classes = [renderers.JSONRenderer, PdfRenderer]

    def get(self, request, pk: int):
        report = selectors.report_get_for_user(user=request.user, pk=pk)
        document = selectors.main_document_for_user(user=request.user, report=report)
        return FileResponse(
            document.file.open("rb"),
            filename=document.filename,
            content_type="application/pdf",
            as_attachment=False,
        )


urlpatterns = [
    path("cycles/<slug:slug>/reports/", ReportRequestApi.as_view(), name="report_request"),
    path("reports/<int:pk>/", ReportDetailApi.as_view(), name="report_detail"),
    path("reports/<int:pk>/pdf/", ReportPdfApi.as_view(), name="report_pdf"),
]
