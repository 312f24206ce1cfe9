"""REST API of the questionnaires domain: instruments (versions, sections, questions) and
reporting cycles, read-only, scoped to the person through the selectors."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers

from portal.api import error_responses
from questionnaires import selectors
from questionnaires.definition import iter_questions
from questionnaires.models import Cycle, Instrument, InstrumentVersion


def _texts():
    return serializers.DictField(child=serializers.CharField(), help_text="Text per language code.")


class GroupOut(serializers.Serializer):
    code = serializers.CharField()
    title = _texts()


class QuestionOut(serializers.Serializer):
    """A question as in the definition file (instruments/FORMAT.md): its type-specific keys
    (choices, columns, treaties, min, max, max_length, unit, show_if, help, mandate) follow."""

    code = serializers.CharField()
    type = serializers.CharField()
    text = _texts()
    required = serializers.BooleanField()
    group = serializers.CharField(help_text="The group's code, or an empty string.")


class SectionOut(serializers.Serializer):
    code = serializers.CharField()
    title = _texts()
    mandate = serializers.CharField()
    groups = GroupOut(many=True)
    questions = QuestionOut(many=True)


def sections_of(definition: dict) -> list[dict]:
    sections = {
        section["code"]: {
            "code": section["code"],
            "title": section["title"],
            "mandate": section["mandate"],
            **({"intro": section["intro"]} if section.get("intro") else {}),
            "groups": [
                {"code": item["group"], "title": item["title"]}
                for item in section["items"]
                if "group" in item
            ],
            "questions": [],
        }
        for section in definition["sections"]
    }
    for question in iter_questions(definition):
        sections[question.section]["questions"].append(
            {**question.spec, "required": question.required, "group": question.group}
        )
    return list(sections.values())


class InstrumentVersionOut(serializers.ModelSerializer):
    class Meta:
        model = InstrumentVersion
        fields = ["number", "status", "sha256", "approved_by", "approved_at", "circulated_at", "comments_due"]


class InstrumentVersionDetailOut(InstrumentVersionOut):
    title = serializers.SerializerMethodField()
    mandate = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()

    class Meta(InstrumentVersionOut.Meta):
        fields = [*InstrumentVersionOut.Meta.fields, "title", "mandate", "sections"]

    @extend_schema_field(_texts())
    def get_title(self, version: InstrumentVersion) -> dict:
        return version.definition["title"]

    def get_mandate(self, version: InstrumentVersion) -> str:
        return version.definition.get("mandate", "")

    @extend_schema_field(SectionOut(many=True))
    def get_sections(self, version: InstrumentVersion) -> list[dict]:
        return sections_of(version.definition)


class InstrumentOut(serializers.ModelSerializer):
    title = _texts()
    versions = InstrumentVersionOut(many=True, source="visible_versions")

    class Meta:
        model = Instrument
        fields = ["code", "title", "versions"]


class InstrumentDetailOut(InstrumentOut):
    versions = InstrumentVersionDetailOut(many=True, source="visible_versions")


def _instruments_for_user(user, *, with_definitions: bool = False):
    """Instruments with at least one version the person may see, each with those versions."""
    versions = selectors.instrument_versions_for_user(user=user).order_by("-number")
    if not with_definitions:
        versions = versions.defer("definition")
    return (
        Instrument.objects.filter(versions__in=versions)
        .distinct()
        .prefetch_related(Prefetch("versions", queryset=versions, to_attr="visible_versions"))
    )


@extend_schema(tags=["instruments"], responses={200: InstrumentOut(many=True), **error_responses(404)})
class InstrumentListApi(generics.ListAPIView):
    """The instruments (questionnaires) and the versions you may see."""

    serializer_class = InstrumentOut

    def get_queryset(self):
        return _instruments_for_user(self.request.user)


@extend_schema(tags=["instruments"], responses={200: InstrumentDetailOut, **error_responses(404)})
class InstrumentDetailApi(generics.RetrieveAPIView):
    """One instrument with each version you may see: its sections and questions."""

    serializer_class = InstrumentDetailOut

    def get_object(self):
        instruments = _instruments_for_user(self.request.user, with_definitions=True)
        instrument = instruments.filter(code=self.kwargs["code"]).first()
        if instrument is None:
            raise Http404
        return instrument


class CycleOut(serializers.ModelSerializer):
    instrument = serializers.CharField(source="instrument_version.instrument.code")
    instrument_version = serializers.IntegerField(source="instrument_version.number")

    class Meta:
        model = Cycle
        fields = [
            "slug",
            "title",
            "status",
            "instrument",
            "instrument_version",
            "session_number",
            "session_year",
            "document_symbol",
            "opens_on",
            "deadline",
        ]


class CycleDetailOut(CycleOut):
    respondents = serializers.SerializerMethodField(
        help_text="Codes of the respondents asked that you may see (ISO alpha-3 for Member States)."
    )

    class Meta(CycleOut.Meta):
        fields = [
            *CycleOut.Meta.fields,
            "session_start",
            "session_end",
            "venue",
            "agenda_item",
            "opened_at",
            "closed_at",
            "respondents",
        ]

    def get_respondents(self, cycle: Cycle) -> list[str]:
        user = self.context["request"].user
        return list(
            selectors.respondents_of_user_in_cycle(user=user, cycle=cycle)
            .order_by("code")
            .values_list("code", flat=True)
        )


class CycleFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Cycle.Status.choices)
    instrument = django_filters.CharFilter(field_name="instrument_version__instrument__code")

    class Meta:
        model = Cycle
        fields = ["status", "instrument"]


def _cycles_for_user(user):
    return selectors.cycles_for_user(user=user).defer("instrument_version__definition")


@extend_schema(tags=["cycles"], responses={200: CycleOut(many=True), **error_responses(400, 404)})
class CycleListApi(generics.ListAPIView):
    """The reporting cycles you may see: all for the secretariat, those asking one of your
    respondents for a correspondent (not those in preparation), none for others."""

    serializer_class = CycleOut
    filterset_class = CycleFilter

    def get_queryset(self):
        return _cycles_for_user(self.request.user)


@extend_schema(tags=["cycles"], responses={200: CycleDetailOut, **error_responses(404)})
class CycleDetailApi(generics.RetrieveAPIView):
    serializer_class = CycleDetailOut
    lookup_field = "slug"

    def get_queryset(self):
        return _cycles_for_user(self.request.user)
