"""The documentation each problem type's URI dereferences to (vrm/problems.py), one page per type and an index."""

from django.http import Http404
from django.shortcuts import render
from django.urls import path

from vrm.problems import PROBLEM_TYPES


def problem_types(request):
    return render(request, "problems/index.html", {"problems": sorted(PROBLEM_TYPES.values(), key=lambda p: p.slug)})


def problem_type(request, slug):
    problem = PROBLEM_TYPES.get(slug)
    if problem is None:
        raise Http404("No such problem type.")
    return render(request, "problems/detail.html", {"problem": problem})


urlpatterns = [
    path("", problem_types, name="problem-types"),
    path("<slug:slug>", problem_type, name="problem-type"),
]
