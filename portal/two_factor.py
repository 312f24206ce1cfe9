"""TOTP second factor (django-otp): set up after re-entering the password, verify at each
sign-in, remove (where the role allows) after re-entering the password and a code."""

from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.security import second_factor_required
from portal.services import audit_record

PENDING_DEVICE = "portal_pending_totp_device"


class PasswordForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("Your password"), widget=forms.PasswordInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

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


class DisableForm(PasswordForm, TokenForm):
    pass


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


@login_required
def setup(request):
    device = None
    pending = request.session.get(PENDING_DEVICE)
    if pending:
        device = TOTPDevice.objects.filter(pk=pending, user=request.user, confirmed=False).first()
    password_form = PasswordForm(user=request.user)
    token_form = TokenForm()
    if request.method == "POST" and "password" in request.POST:
        password_form = PasswordForm(request.POST, user=request.user)
        if password_form.is_valid():
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
            request.session[PENDING_DEVICE] = device.pk
    elif request.method == "POST" and device is not None:
        token_form = TokenForm(request.POST)
        if token_form.is_valid() and device.verify_token(token_form.cleaned_data["token"].strip()):
            TOTPDevice.objects.filter(user=request.user, confirmed=True).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            del request.session[PENDING_DEVICE]
            otp_login(request, device)
            audit_record(actor=request.user, action="2fa.enabled", obj=request.user)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(_next(request))
        if token_form.is_valid():
            token_form.add_error("token", _("This code is not valid. Check the time on your phone."))
    context = {
        "password_form": password_form,
        "token_form": token_form,
        "device": device,
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
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        for device in TOTPDevice.objects.devices_for_user(request.user, confirmed=True):
            if device.verify_token(token):  # a code works once: django-otp refuses its reuse
                otp_login(request, device)
                return redirect(_next(request))
        form.add_error("token", _("This code is not valid or has been used already."))
    return render(request, "portal/two_factor_verify.html", {"form": form, "next": _next(request)})


@login_required
def disable(request):
    if second_factor_required(request.user):
        messages.error(request, _("Your role requires two-factor authentication."))
        return redirect("profile")
    form = DisableForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
        if any(d.verify_token(form.cleaned_data["token"].strip()) for d in devices):
            TOTPDevice.objects.filter(user=request.user).delete()
            audit_record(actor=request.user, action="2fa.disabled", obj=request.user)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("profile")
        form.add_error("token", _("This code is not valid or has been used already."))
    return render(request, "portal/two_factor_disable.html", {"form": form})
