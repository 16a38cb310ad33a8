"""A council's approval rules, under /c/<council>/settings/approval/: whether a proposal
needs a completed equality impact assessment before it is approved. Who may change them
is ``proposals.permissions.can_change_approval_rules``; the write is
``proposals.structure.set_approval_rules``, which asks again and records the change."""
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from councils.models import Council
from proposals import structure
from proposals.permissions import can_change_approval_rules

from .access import managed_council


class ApprovalRulesForm(forms.ModelForm):
    class Meta:
        model = Council
        fields = ["require_completed_eia"]


@require_http_methods(["GET", "POST"])
def approval_rules(request, council_slug):
    council = managed_council(request, council_slug, can_change_approval_rules)
    form = ApprovalRulesForm(request.POST if request.method == "POST" else None, instance=council)
    if request.method == "POST" and form.is_valid():
        structure.set_approval_rules(council=council, user=request.user,
                                     require_completed_eia=form.cleaned_data["require_completed_eia"])
        messages.success(request, f"{council.name}\u2019s approval rules are saved.")
        return redirect("administration:approval_rules", council.slug)
    return render(request, "administration/approval_rules.html", {"council": council, "form": form})


urlpatterns = [path("", approval_rules, name="approval_rules")]
