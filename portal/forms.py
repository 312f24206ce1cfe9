from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from portal.mail import mail_queue
from portal.models import RegionalGroup, Respondent, User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "position", "language"]


class DesignateCorrespondentForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    may_submit = forms.BooleanField(
        label=_("May submit responses on behalf of the respondent"), required=False
    )
    communication = forms.CharField(
        label=_("Reference of the designating communication"), max_length=300, required=False
    )


class FocalPointForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    communication = forms.CharField(
        label=_("Official communication"),
        max_length=300,
        help_text=_("For example: Note verbale No. 123/1998 of 12 March 1998."),
    )
    communication_file = forms.FileField(
        label=_("Copy of the communication (PDF)"),
        required=False,
    )

    def clean_communication_file(self):
        upload = self.cleaned_data.get("communication_file")
        if upload:
            if upload.size > 20 * 1024 * 1024:
                raise forms.ValidationError(_("The file is larger than 20 MB."))
            if upload.read(5) != b"%PDF-":
                raise forms.ValidationError(_("The communication must be a PDF file."))
            upload.seek(0)
        return upload


class RespondentFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Respondent.Kind.choices]
    )
    group = forms.ChoiceField(
        label=_("Regional group"),
        required=False,
        choices=[("", _("All groups")), *RegionalGroup.choices],
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, whose mail goes through the outbox: the page answers without
    waiting for the mail server, and the mail is written in the person's language."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        mail_queue(
            person=user,
            # Django's own subject (registration/password_reset_subject.txt), translated.
            subject=gettext_noop("Password reset on %(site_name)s"),
            template=email_template_name,
            context=context,
            key=f"password-reset:{user.pk}:{context['token']}",
            params={"site_name": context["site_name"]},
        )
