from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CompileForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="en")
    cutoff = forms.DateTimeField(
        label=_("Cutoff (optional)"),
        required=False,
        help_text=_("Only versions created by this time are compiled. Empty: now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class ConclusionsForm(forms.Form):
    text = forms.CharField(
        label=_("Conclusions and recommendations"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Chapter III of the report. Separate paragraphs with a blank line; each is numbered."),
    )
