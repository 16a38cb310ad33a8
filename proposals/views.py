from django.db.models import Count, Prefetch
from django.shortcuts import render

from councils.access import councils_for

from .models import BudgetPlan


def home(request):
    """The councils and plans this user may see."""
    councils = councils_for(request.user).prefetch_related(
        Prefetch("plans", queryset=BudgetPlan.objects.annotate(proposal_count=Count("proposals")))
    )
    return render(request, "proposals/home.html", {"councils": councils})
