"""The REST API, mounted at /api/: version 1 under /api/v1/, its OpenAPI 3 schema at
/api/schema/, browsable documentation at /api/docs/, and the pages where a person manages
their API token."""

from importlib.util import find_spec

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import api, tokens
from questionnaires import api as questionnaires_api
from responses import api as responses_api


class ApiDocsView(SpectacularSwaggerSplitView):
    """The documentation is a page to read: GET (and HEAD) only. DRF would answer OPTIONS
    with metadata for the page's HTML renderer, which has no template for it (a 500)."""

    http_method_names = ["get", "head"]


v1 = [
    path("instruments/", questionnaires_api.InstrumentListApi.as_view(), name="instrument_list"),
    path(
        "instruments/<slug:code>/", questionnaires_api.InstrumentDetailApi.as_view(), name="instrument_detail"
    ),
    path("cycles/", questionnaires_api.CycleListApi.as_view(), name="cycle_list"),
    path("cycles/<slug:slug>/", questionnaires_api.CycleDetailApi.as_view(), name="cycle_detail"),
    path("responses/", responses_api.ResponseListApi.as_view(), name="response_list"),
    path("responses/<int:pk>/", responses_api.ResponseDetailApi.as_view(), name="response_detail"),
    path("responses/<int:pk>/draft/", responses_api.DraftApi.as_view(), name="response_draft"),
    path("responses/<int:pk>/submit/", responses_api.SubmitApi.as_view(), name="response_submit"),
    path("responses/<int:pk>/amend/", responses_api.AmendApi.as_view(), name="response_amend"),
    path("responses/<int:pk>/start-review/", responses_api.ReviewStartApi.as_view(), name="response_review"),
    path(
        "responses/<int:pk>/request-clarification/",
        responses_api.ClarificationRequestApi.as_view(),
        name="response_clarification",
    ),
    path("responses/<int:pk>/accept/", responses_api.AcceptApi.as_view(), name="response_accept"),
    path(
        "responses/<int:pk>/secretariat-amendment/",
        responses_api.SecretariatAmendmentApi.as_view(),
        name="response_secretariat_amendment",
    ),
    path("responses/<int:pk>/versions/", responses_api.VersionListApi.as_view(), name="version_list"),
    path(
        "responses/<int:pk>/versions/<int:number>/",
        responses_api.VersionDetailApi.as_view(),
        name="version_detail",
    ),
    path(
        "responses/<int:pk>/versions/<int:number>/acknowledge/",
        responses_api.AcknowledgeApi.as_view(),
        name="version_acknowledge",
    ),
    path("responses/<int:pk>/diff/", responses_api.DiffApi.as_view(), name="response_diff"),
]

# The reports' endpoints are written in reports/api.py (paths without the api/v1/ prefix).
if find_spec("reports.api") is not None:
    from reports import api as reports_api

    v1 += reports_api.urlpatterns

# Last: any other address ending in a slash is a 404 in the API's error shape (one without
# the slash still gets APPEND_SLASH's redirect).
v1.append(re_path(r"^(?:.*/)?$", api.not_found))

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", ApiDocsView.as_view(url_name="api_schema"), name="api_docs"),
    path("tokens/", tokens.token_page, name="api_tokens"),
    path("tokens/create/", tokens.token_create_page, name="api_token_create"),
    path("tokens/revoke/", tokens.token_revoke_page, name="api_token_revoke"),
]
