"""A person's own settings: which e-mails they get."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .models import Preferences


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Preferences
        fields = ["workflow_emails"]


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    """Turn the workflow e-mails off or on (they are on until turned off)."""
    preferences = Preferences.objects.filter(user=request.user).first() or Preferences(user=request.user)
    form = PreferencesForm(request.POST if request.method == "POST" else None, instance=preferences)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your e-mail settings are saved.")
        return redirect("notification_settings")
    return render(request, "councils/notification_settings.html", {"form": form})
