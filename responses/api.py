"""REST API of the responses domain: responses, their draft (with the ETag / If-Match
concurrency rule), the workflow actions, versions and differences between them.

Thin: parse with a serializer, fetch through ``responses.selectors`` (so a response the
person may not see is a 404), call one service, serialize. The rules live in the services;
``portal.api.exception_handler`` turns their errors into the API's one error shape.
"""

from __future__ import annotations

import re

import django_filters
from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from portal.api import (
    ErrorDetailSerializer,
    PreconditionRequired,
    StrictSerializer,
    error_body,
    error_responses,
    storable_text,
)
from portal.errors import ApplicationError
from portal.models import RegionalGroup, Respondent
from portal.request import client_ip
from questionnaires import selectors as questionnaire_selectors
from responses import selectors, services
from responses.diff import versions_diff
from responses.models import Response, ResponseVersion, VersionAcknowledgement
from responses.services.versions import SubmissionStale

ANSWERS_HELP = "Answers by question code; values as in instruments/FORMAT.md. null clears an answer."


def _answers_field(**kwargs):
    return serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        validators=[storable_text],
        help_text=ANSWERS_HELP,
        **kwargs,
    )


# Responses ---------------------------------------------------------------------------------


class ResponseOut(serializers.ModelSerializer):
    respondent = serializers.CharField(
        source="respondent.code", help_text="ISO 3166 alpha-3 for Member States; a code for organizations."
    )
    respondent_name = serializers.CharField(source="respondent.name_en")
    cycle = serializers.CharField(source="cycle.slug")
    latest_version = serializers.SerializerMethodField(help_text="Number of the latest version, if any.")

    class Meta:
        model = Response
        fields = [
            "id",
            "respondent",
            "respondent_name",
            "cycle",
            "status",
            "latest_version",
            "draft_open",
            "updated_at",
            "submitted_at",
            "accepted_at",
        ]

    def get_latest_version(self, response: Response) -> int | None:
        return response.latest_version_number or None


class ResponseStartIn(StrictSerializer):
    """Start the respondent's response in the cycle (or get it, if started)."""

    cycle = serializers.SlugField(help_text="The cycle's slug.")
    respondent = serializers.CharField(max_length=20, help_text="The respondent's code (ISO alpha-3).")


class ResponseFilter(django_filters.FilterSet):
    cycle = django_filters.CharFilter(field_name="cycle__slug", help_text="A cycle's slug.")
    respondent = django_filters.CharFilter(field_name="respondent__code", help_text="A respondent's code.")
    status = django_filters.ChoiceFilter(choices=Response.Status.choices)
    regional_group = django_filters.ChoiceFilter(
        field_name="respondent__regional_group", choices=RegionalGroup.choices
    )

    class Meta:
        model = Response
        fields = ["cycle", "respondent", "status", "regional_group"]


def _response_for(request, pk: int) -> Response:
    return selectors.response_get_for_user(user=request.user, pk=pk)


@extend_schema_view(
    get=extend_schema(responses={200: ResponseOut(many=True), **error_responses(400, 404)}),
    post=extend_schema(
        request=ResponseStartIn,
        responses={
            201: OpenApiResponse(ResponseOut, description="Started."),
            200: OpenApiResponse(ResponseOut, description="Already started: the existing response."),
            **error_responses(400),
        },
    ),
)
class ResponseListApi(generics.ListAPIView):
    """Responses you may see: your respondents' for a correspondent, all for the secretariat,
    none for Commission members. POST starts your respondent's response in a cycle."""

    serializer_class = ResponseOut
    filterset_class = ResponseFilter

    def get_queryset(self):
        return selectors.responses_for_user(user=self.request.user)

    def post(self, request):
        data = ResponseStartIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        cycle = (
            questionnaire_selectors.cycles_for_user(user=user)
            .filter(slug=data.validated_data["cycle"])
            .first()
        )
        respondent = Respondent.objects.for_user(user).filter(code=data.validated_data["respondent"]).first()
        errors = {}
        if cycle is None:
            errors["cycle"] = [_("There is no such cycle among yours.")]
        if respondent is None:
            errors["respondent"] = [_("There is no such respondent among yours.")]
        if errors:
            raise exceptions.ValidationError(errors)
        existed = Response.objects.filter(cycle=cycle, respondent=respondent).exists()
        response = services.response_start(cycle=cycle, respondent=respondent, user=user)
        return ApiResponse(
            ResponseOut(_response_for(request, response.pk)).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


@extend_schema(responses={200: ResponseOut, **error_responses(404)})
class ResponseDetailApi(generics.RetrieveAPIView):
    serializer_class = ResponseOut

    def get_object(self):
        return _response_for(self.request, self.kwargs["pk"])


# The draft ---------------------------------------------------------------------------------

ETAG = re.compile(r'^(?:W/)?"?(\d{1,18})"?$')


def etag(revision: int) -> str:
    return f'"{revision}"'


def _draft_body(response: Response) -> dict:
    # The revision was read with the response, before the answers: an answer newer than the
    # ETag makes a later save conflict (safe), never the reverse.
    answers = selectors.draft_answers(response=response)
    return {
        "answers": {code: a.value for code, a in answers.items() if a.value is not None},
        "revision": response.draft_revision,
        "draft_open": response.draft_open,
        "carried_forward": sorted(code for code, a in answers.items() if a.carried_forward),
    }


def _draft_response(response: Response, http_status: int = status.HTTP_200_OK) -> ApiResponse:
    return ApiResponse(
        _draft_body(response), status=http_status, headers={"ETag": etag(response.draft_revision)}
    )


class DraftOut(serializers.Serializer):
    answers = _answers_field()
    revision = serializers.IntegerField(help_text="The draft's revision, also the ETag.")
    draft_open = serializers.BooleanField(help_text="Whether a draft (initial or amendment) is open.")
    carried_forward = serializers.ListField(
        child=serializers.CharField(), help_text="Answers carried from an earlier cycle, not yet confirmed."
    )


class DraftChangeIn(StrictSerializer):
    """Answers to save; questions not named keep their answers."""

    answers = _answers_field(required=False, default=dict)
    language = serializers.ChoiceField(
        choices=settings.INSTRUMENT_LANGUAGES,
        required=False,
        help_text="Language the answers are written in.",
    )


class DraftConflictDetail(ErrorDetailSerializer):
    conflicts = serializers.DictField(
        child=inline_serializer(
            "DraftConflictItem",
            fields={
                "yours": serializers.JSONField(allow_null=True),
                "theirs": serializers.JSONField(allow_null=True),
                "revision": serializers.IntegerField(),
                "by": serializers.CharField(),
                "at": serializers.DateTimeField(),
            },
        ),
        help_text="Per question changed since your If-Match revision: your value and the current one.",
    )
    answers = _answers_field()
    revision = serializers.IntegerField(help_text="The current revision, also the ETag.")


class DraftConflictError(serializers.Serializer):
    error = DraftConflictDetail()


ETAG_HEADER = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 412], description="The draft revision."
)


def _precondition_failed(response: Response, *, conflicts: dict, message: str) -> ApiResponse:
    response = _refreshed(response)
    body = _draft_body(response)
    error = error_body(
        code="conflict" if conflicts else "precondition_failed",
        message=message,
        fields={code: [_("Changed by someone else since your revision.")] for code in conflicts},
        conflicts=conflicts,
        answers=body["answers"],
        revision=body["revision"],
    )
    return ApiResponse(
        error, status=status.HTTP_412_PRECONDITION_FAILED, headers={"ETag": etag(body["revision"])}
    )


def _refreshed(response: Response) -> Response:
    response.refresh_from_db(fields=["draft_revision", "draft_open"])
    return response


class DraftApi(APIView):
    """The draft's answers. GET gives them with an ETag (the draft revision); PATCH saves some
    answers with If-Match: saves to other questions merge, a question changed since that
    revision is a 412 with the current values, never an overwrite."""

    @extend_schema(responses={200: DraftOut, **error_responses(404)}, parameters=[ETAG_HEADER])
    def get(self, request, pk: int):
        return _draft_response(_response_for(request, pk))

    @extend_schema(
        request=DraftChangeIn,
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description='The ETag of the draft you last read, e.g. "12".',
            ),
            ETAG_HEADER,
        ],
        responses={
            200: DraftOut,
            412: OpenApiResponse(DraftConflictError, description="Changed since your revision."),
            **error_responses(400, 404, 428),
        },
    )
    def patch(self, request, pk: int):
        response = _response_for(request, pk)
        if_match = request.headers.get("If-Match")
        if not if_match:
            raise PreconditionRequired
        data = DraftChangeIn(data=request.data)
        data.is_valid(raise_exception=True)
        match = ETAG.match(if_match.strip())
        base = int(match.group(1)) if match else None
        if base is None or base > response.draft_revision:
            return _precondition_failed(
                response, conflicts={}, message=_("If-Match does not name a revision of this draft.")
            )
        result = services.draft_save(
            response=response,
            user=request.user,
            answers=data.validated_data["answers"],
            base_revision=base,
            language=data.validated_data.get("language"),
            ip_address=client_ip(request),
        )
        if result.errors:
            raise ApplicationError(
                _("Some answers are not valid."), code="invalid_answers", extra={"errors": result.errors}
            )
        if result.conflicts:
            return _precondition_failed(
                response,
                conflicts=result.conflicts,
                message=_("Someone changed these answers since your revision; nothing was saved."),
            )
        return _draft_response(_refreshed(response))


# Versions ----------------------------------------------------------------------------------


class VersionOut(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username")
    author_name = serializers.CharField(source="author.get_full_name")

    class Meta:
        model = ResponseVersion
        fields = ["number", "kind", "author", "author_name", "reason", "sha256", "created_at"]


class AcknowledgementOut(serializers.ModelSerializer):
    person = serializers.CharField(source="person.username")

    class Meta:
        model = VersionAcknowledgement
        fields = ["decision", "comment", "person", "created_at"]


class VersionDetailOut(VersionOut):
    answers = _answers_field()
    instrument = serializers.CharField(source="instrument_version.instrument.code")
    instrument_version = serializers.IntegerField(source="instrument_version.number")
    acknowledgements = serializers.SerializerMethodField()

    class Meta(VersionOut.Meta):
        fields = [
            *VersionOut.Meta.fields,
            "content_sha256",
            "previous_sha256",
            "instrument",
            "instrument_version",
            "answers",
            "answer_languages",
            "acknowledgements",
        ]

    @extend_schema_field(AcknowledgementOut(many=True))
    def get_acknowledgements(self, version: ResponseVersion) -> list:
        return AcknowledgementOut(version.acknowledgements.select_related("person"), many=True).data


def _version_detail(response: Response, number: int) -> dict:
    version = selectors.version_get(response=response, number=number)
    return VersionDetailOut(version).data


@extend_schema(responses={200: VersionOut(many=True), **error_responses(404)})
class VersionListApi(generics.ListAPIView):
    """Every version of the response, oldest first (not paginated)."""

    serializer_class = VersionOut
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        response = _response_for(self.request, self.kwargs["pk"])
        return response.versions.select_related("author").order_by("number")


@extend_schema(responses={200: VersionDetailOut, **error_responses(404)})
class VersionDetailApi(APIView):
    def get(self, request, pk: int, number: int):
        return ApiResponse(_version_detail(_response_for(request, pk), number))


def _diff_serializer_fields() -> dict:
    return {
        "from": serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        "to": serializers.IntegerField(min_value=1, max_value=2**31 - 1),
    }


class DiffQuery(serializers.Serializer):
    def get_fields(self):
        return _diff_serializer_fields()


class ChangeOut(serializers.Serializer):
    def get_fields(self):
        return {
            "code": serializers.CharField(),
            "type": serializers.CharField(help_text="The question type; empty if the question is gone."),
            "from": serializers.JSONField(allow_null=True),
            "to": serializers.JSONField(allow_null=True),
            "words": serializers.ListField(
                child=serializers.ListField(child=serializers.CharField()),
                required=False,
                help_text="Texts: [operation, text] pairs, operation equal, delete or insert.",
            ),
            "rows": serializers.JSONField(required=False, help_text="Tables: rows added and removed."),
            "treaties": serializers.JSONField(required=False, help_text="Treaty matrices: per treaty."),
        }


class DiffOut(serializers.Serializer):
    def get_fields(self):
        return {**_diff_serializer_fields(), "changes": ChangeOut(many=True)}


@extend_schema(
    parameters=[
        OpenApiParameter("from", int, required=True, description="Version number to compare from."),
        OpenApiParameter("to", int, required=True, description="Version number to compare to."),
    ],
    responses={200: DiffOut, **error_responses(400, 404)},
)
class DiffApi(APIView):
    """The questions whose answers differ between two versions, in questionnaire order."""

    def get(self, request, pk: int):
        response = _response_for(request, pk)  # first: an outsider learns nothing, not even a 400
        query = DiffQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        old = selectors.version_get(response=response, number=query.validated_data["from"])
        new = selectors.version_get(response=response, number=query.validated_data["to"])
        changes = versions_diff(
            definition=new.instrument_version.definition, old=old.answers, new=new.answers
        )
        return ApiResponse({"from": old.number, "to": new.number, "changes": changes})


# Actions -----------------------------------------------------------------------------------


class NoInput(StrictSerializer):
    """An action without parameters: send nothing, or {}."""


def _no_input(request) -> None:
    NoInput(data=request.data).is_valid(raise_exception=True)


class SubmitStaleDetail(ErrorDetailSerializer):
    changed = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the answers changed since your If-Match revision."
    )
    revision = serializers.IntegerField(help_text="The current revision, also the ETag.")


class SubmitStaleError(serializers.Serializer):
    error = SubmitStaleDetail()


@extend_schema(
    request=NoInput,
    parameters=[
        OpenApiParameter(
            "If-Match",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            required=True,
            description='The ETag of the draft you reviewed, e.g. "12".',
        ),
        ETAG_HEADER,
    ],
    responses={
        201: OpenApiResponse(VersionDetailOut, description="The new version."),
        412: OpenApiResponse(SubmitStaleError, description="The draft changed since your revision."),
        **error_responses(400, 404, 428),
    },
)
class SubmitApi(APIView):
    """Submit the draft you reviewed (If-Match: its ETag): it becomes the next immutable
    version. A draft changed since is a 412 naming the changed answers; a draft that is not
    complete or not valid is a 400 with a message per question in error.fields."""

    def post(self, request, pk: int):
        response = _response_for(request, pk)
        if_match = request.headers.get("If-Match")
        if not if_match:
            raise PreconditionRequired
        _no_input(request)
        match = ETAG.match(if_match.strip())
        if match is None:
            return _submit_refused(
                code="precondition_failed",
                message=_("If-Match does not name a revision of this draft."),
                changed=[],
                revision=_refreshed(response).draft_revision,
            )
        try:
            version = services.response_submit(
                response=response,
                user=request.user,
                base_revision=int(match.group(1)),
                ip_address=client_ip(request),
            )
        except SubmissionStale as stale:
            return _submit_refused(
                code=stale.code,
                message=stale.message,
                changed=[change["code"] for change in stale.extra["changes"]],
                revision=stale.extra["revision"],
            )
        return ApiResponse(_version_detail(response, version.number), status=status.HTTP_201_CREATED)


def _submit_refused(*, code: str, message: str, changed: list[str], revision: int) -> ApiResponse:
    """A 412 of the submit operation, in the shape its schema gives (SubmitStaleError)."""
    return ApiResponse(
        error_body(code=code, message=message, changed=changed, revision=revision),
        status=status.HTTP_412_PRECONDITION_FAILED,
        headers={"ETag": etag(revision)},
    )


class AmendmentOut(serializers.Serializer):
    from_version = serializers.IntegerField()
    new_questions = serializers.ListField(child=serializers.CharField())
    gone_questions = serializers.ListField(child=serializers.CharField())
    revision = serializers.IntegerField(help_text="The new draft's revision, also the ETag.")


@extend_schema(request=NoInput, responses={200: AmendmentOut, **error_responses(400, 404)})
class AmendApi(APIView):
    """Open an amendment draft from the latest version; then PATCH the draft and submit."""

    def post(self, request, pk: int):
        response = _response_for(request, pk)
        _no_input(request)
        opened = services.response_amend(response=response, user=request.user, ip_address=client_ip(request))
        response = _refreshed(response)
        return ApiResponse(
            {**opened, "revision": response.draft_revision}, headers={"ETag": etag(response.draft_revision)}
        )


def _response_action(service):
    """A review action on the response that returns the response in its new state."""

    @extend_schema(request=NoInput, responses={200: ResponseOut, **error_responses(400, 404)})
    def post(self, request, pk: int):
        response = _response_for(request, pk)
        _no_input(request)
        service(response=response, user=request.user, ip_address=client_ip(request))
        return ApiResponse(ResponseOut(_response_for(request, pk)).data)

    return post


class ReviewStartApi(APIView):
    """The secretariat takes a submitted response into review."""

    post = _response_action(services.review_start)


class AcceptApi(APIView):
    """The secretariat accepts a submitted or reviewed response."""

    post = _response_action(services.response_accept)


class ClarificationIn(StrictSerializer):
    """A request for clarification per question code, with an optional due date."""

    comments = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        validators=[storable_text],
        help_text="What needs clarifying, by question code.",
    )
    due_date = serializers.DateField(required=False, allow_null=True)


@extend_schema(request=ClarificationIn, responses={200: ResponseOut, **error_responses(400, 404)})
class ClarificationRequestApi(APIView):
    """The secretariat asks the correspondents to clarify answers, one thread per question."""

    def post(self, request, pk: int):
        response = _response_for(request, pk)
        data = ClarificationIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.clarification_request(
            response=response,
            user=request.user,
            comments=data.validated_data["comments"],
            due_date=data.validated_data.get("due_date"),
            ip_address=client_ip(request),
        )
        return ApiResponse(ResponseOut(_response_for(request, pk)).data)


class SecretariatAmendmentIn(StrictSerializer):
    """Answers to change, merged onto the latest version, and the reason (required)."""

    answers = _answers_field()
    reason = serializers.CharField(allow_blank=True, help_text="Why the secretariat amends (required).")


@extend_schema(
    request=SecretariatAmendmentIn,
    responses={
        201: OpenApiResponse(VersionDetailOut, description="The new version."),
        **error_responses(400, 404),
    },
)
class SecretariatAmendmentApi(APIView):
    """The secretariat amends a submitted response: a new version of its own kind, with a
    reason, that the correspondents acknowledge or contest."""

    def post(self, request, pk: int):
        response = _response_for(request, pk)
        data = SecretariatAmendmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.secretariat_amendment_create(
            response=response,
            user=request.user,
            answers=data.validated_data["answers"],
            reason=data.validated_data["reason"],
            ip_address=client_ip(request),
        )
        return ApiResponse(_version_detail(response, version.number), status=status.HTTP_201_CREATED)


class AcknowledgeIn(StrictSerializer):
    """Acknowledge or contest a secretariat amendment; contesting needs a comment."""

    decision = serializers.ChoiceField(choices=VersionAcknowledgement.Decision.choices)
    comment = serializers.CharField(allow_blank=True, required=False, default="")


@extend_schema(request=AcknowledgeIn, responses={201: AcknowledgementOut, **error_responses(400, 404)})
class AcknowledgeApi(APIView):
    """A correspondent acknowledges or contests a secretariat amendment (a comment says why)."""

    def post(self, request, pk: int, number: int):
        version = selectors.version_get(response=_response_for(request, pk), number=number)
        data = AcknowledgeIn(data=request.data)
        data.is_valid(raise_exception=True)
        acknowledgement = services.version_acknowledge(
            version=version,
            user=request.user,
            decision=data.validated_data["decision"],
            comment=data.validated_data["comment"],
        )
        return ApiResponse(AcknowledgementOut(acknowledgement).data, status=status.HTTP_201_CREATED)
