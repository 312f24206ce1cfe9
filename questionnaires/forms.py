from django import forms
from django.utils.translation import gettext_lazy as _

from questionnaires.models import Cycle, InstrumentVersion


class CycleForm(forms.ModelForm):
    include_organizations = forms.BooleanField(
        label=_("Also ask intergovernmental organizations and institutes"), required=False
    )

    class Meta:
        model = Cycle
        fields = [
            "slug",
            "title",
            "instrument_version",
            "session_number",
            "session_year",
            "session_start",
            "session_end",
            "venue",
            "agenda_item",
            "document_symbol",
            "opens_on",
            "deadline",
        ]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "deadline": forms.DateInput(attrs={"type": "date"}),
            "session_start": forms.DateInput(attrs={"type": "date"}),
            "session_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument_version"].queryset = InstrumentVersion.objects.filter(
            status=InstrumentVersion.Status.APPROVED
        ).select_related("instrument")
        self.fields["document_symbol"].help_text = _("For example: E/CN.15/1999/3")

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("deadline") and data["deadline"] < data["opens_on"]:
            self.add_error("deadline", _("The deadline must not come before the opening date."))
        return data


class CirculateForm(forms.Form):
    comments_due = forms.DateField(label=_("Comments due by"), widget=forms.DateInput(attrs={"type": "date"}))


class ApproveForm(forms.Form):
    approved_by = forms.CharField(
        label=_("Approved by"),
        max_length=200,
        help_text=_("e.g. Commission on Crime Prevention and Criminal Justice, fourteenth session"),
    )


class CommentForm(forms.Form):
    question_code = forms.CharField(max_length=120, widget=forms.HiddenInput)
    respondent = forms.CharField(max_length=20, widget=forms.HiddenInput)
    text = forms.CharField(label=_("Your comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
