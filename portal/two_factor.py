"""Signing in: the password (with a per-account ceiling on failures), then the second factor.

A TOTP device (django-otp) is set up with the password alone only by a person who has none;
replacing it needs the current second factor (a code of the authenticator or a recovery
code), as do new recovery codes. Ten recovery codes (django-otp's static tokens) are shown
once after setup, each usable once at the verify page. Without any of these, only an
administrator's reset (audited, and announced to the person by e-mail) lets a person enrol
again.
"""

from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.mail import mail_queue
from portal.request import client_ip
from portal.security import end_all_sessions, second_factor_required
from portal.services import audit_record

PENDING_DEVICE = "portal_pending_totp_device"
RECOVERY_CODE_COUNT = 10


# Services: the writes of this module, each atomic and audited.


@transaction.atomic
def recovery_codes_create(*, user, ip_address: str | None = None) -> list[str]:
    """New recovery codes for the person; the previous ones stop working. Returned once:
    django-otp stores them as they are, so the page that shows them is the only copy."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit_record(actor=user, action="2fa.recovery_codes_created", obj=user, ip_address=ip_address)
    return codes


@transaction.atomic
def two_factor_enrol(*, user, device: TOTPDevice, ip_address: str | None = None) -> list[str]:
    """Confirm the new authenticator in place of any previous one, with new recovery codes."""
    replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()[0]
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(
        actor=user, action="2fa.enabled", obj=user, ip_address=ip_address, data={"replaced": bool(replaced)}
    )
    return recovery_codes_create(user=user, ip_address=ip_address)


@transaction.atomic
def two_factor_reset(*, user, by, ip_address: str | None = None) -> None:
    """An administrator's reset for a person who lost every second factor: their devices,
    sessions and API token end, and they are told by e-mail (so a reset they did not ask for
    does not go unnoticed). They set up a new device at their next sign-in."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    end_all_sessions(user)
    entry = audit_record(actor=by, action="2fa.reset", obj=user, ip_address=ip_address)
    if user.email:
        mail_queue(
            person=user,
            subject=gettext_noop("Your two-factor authentication was reset"),
            template="portal/email/two_factor_reset.txt",
            context={},
            key=f"2fa-reset:{entry.pk}",
        )


# Forms


class PersonForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


class PasswordForm(PersonForm):
    password = forms.CharField(label=gettext_lazy("Your password"), widget=forms.PasswordInput)

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(_("This is not your password."))
        return self.cleaned_data["password"]


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": gettext_lazy("Enter the 6 digits shown by your app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class CodeForm(PersonForm):
    """A code of the person's current second factor: the authenticator's or a recovery code.
    Checked against their devices, so a valid form has used the code up."""

    token = forms.RegexField(
        label=gettext_lazy("Code from your authenticator app, or a recovery code"),
        regex=r"^\s*(\d{6}|[A-Za-z2-7]{8})\s*$",
        error_messages={
            "invalid": gettext_lazy(
                "Enter the 6 digits shown by your app, or one of your 8-letter recovery codes."
            )
        },
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    device = None

    def clean_token(self):
        token = self.cleaned_data["token"].strip().lower()
        # Each kind of code goes to its own devices only: a failed check slows the device
        # down (django-otp's throttling), and a recovery code is no failed TOTP code.
        kind = TOTPDevice if token.isdigit() else StaticDevice
        for device in kind.objects.devices_for_user(self.user, confirmed=True):
            if device.verify_token(token):  # a code works once: django-otp refuses its reuse
                self.device = device
                return token
        raise forms.ValidationError(_("This code is not valid or has been used already."))


class ReenrolForm(PasswordForm, CodeForm):
    pass


# Views


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def _recovery_codes_page(request, codes: list[str]):
    return render(request, "portal/two_factor_recovery_codes.html", {"codes": codes, "next": _next(request)})


@never_cache
@login_required
def setup(request):
    """Step one: the password, and a current code if the person has a second factor already
    (the middleware lets only a verified session of such a person reach this page; the code
    is asked again so that an unattended session cannot swap the device). Step two: a code
    of the new device confirms it."""
    enrolled = user_has_device(request.user)
    if enrolled and not request.user.is_verified():
        return redirect(f"{reverse('two_factor_verify')}?next={_next(request)}")
    device = None
    pending = request.session.get(PENDING_DEVICE)
    if pending:
        device = TOTPDevice.objects.filter(pk=pending, user=request.user, confirmed=False).first()
    start_form_class = ReenrolForm if enrolled else PasswordForm
    start_form = start_form_class(user=request.user)
    token_form = TokenForm()
    if request.method == "POST" and "password" in request.POST:
        start_form = start_form_class(request.POST, user=request.user)
        if start_form.is_valid():
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
            request.session[PENDING_DEVICE] = device.pk
    elif request.method == "POST" and device is not None:
        token_form = TokenForm(request.POST)
        if token_form.is_valid() and device.verify_token(token_form.cleaned_data["token"].strip()):
            codes = two_factor_enrol(user=request.user, device=device, ip_address=client_ip(request))
            del request.session[PENDING_DEVICE]
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return _recovery_codes_page(request, codes)
        if token_form.is_valid():
            token_form.add_error("token", _("This code is not valid. Check the time on your phone."))
    context = {
        "password_form": start_form,
        "token_form": token_form,
        "device": device,
        "enrolled": enrolled,
        "next": _next(request),
    }
    if device is not None:
        context["secret"] = base64.b32encode(device.bin_key).decode()
        # An SVG that qrcode generated from our own otpauth URL.
        context["qr"] = mark_safe(_qr_svg(device.config_url))  # noqa: S308  # nosec B308 B703
    return render(request, "portal/two_factor_setup.html", context)


@login_required
def verify(request):
    if not user_has_device(request.user):
        return redirect("two_factor_setup")
    form = CodeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        if isinstance(form.device, StaticDevice):
            audit_record(
                actor=request.user,
                action="2fa.recovery_code_used",
                obj=request.user,
                ip_address=client_ip(request),
            )
            left = form.device.token_set.count()
            messages.warning(
                request,
                ngettext(
                    "You signed in with a recovery code; %(left)s is left. Make new ones in your profile.",
                    "You signed in with a recovery code; %(left)s are left. Make new ones in your profile.",
                    left,
                )
                % {"left": left},
            )
        return redirect(_next(request))
    return render(request, "portal/two_factor_verify.html", {"form": form, "next": _next(request)})


@never_cache
@login_required
def recovery_codes(request):
    """New recovery codes, with a current code (the middleware has verified the session)."""
    if not user_has_device(request.user):
        return redirect("two_factor_setup")
    form = CodeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        return _recovery_codes_page(
            request, recovery_codes_create(user=request.user, ip_address=client_ip(request))
        )
    left = StaticToken.objects.filter(device__user=request.user).count()
    return render(request, "portal/two_factor_recovery.html", {"form": form, "left": left})


@login_required
def disable(request):
    if second_factor_required(request.user):
        messages.error(request, _("Your role requires two-factor authentication."))
        return redirect("profile")
    form = ReenrolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for device in devices_for_user(request.user, confirmed=None):
                device.delete()
            audit_record(
                actor=request.user, action="2fa.disabled", obj=request.user, ip_address=client_ip(request)
            )
        messages.success(request, _("Two-factor authentication is off."))
        return redirect("profile")
    return render(request, "portal/two_factor_disable.html", {"form": form})
