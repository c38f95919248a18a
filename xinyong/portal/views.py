"""Public pages (no login): thin adapters over the portal selectors.

A page that names a subject or a record that is not (or no longer) in public view answers 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from xinyong.core.params import text_param
from xinyong.portal import selectors
from xinyong.portal.forms import RecordFilterForm, SearchForm
from xinyong.portal.lists import lists_browse, subject_entries
from xinyong.records.models import Record
from xinyong.subjects.models import Subject


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _neighbours(page: int) -> dict[str, int]:
    return {"previous": page - 1, "next": page + 1}


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "portal/not_found.html", {"message": message}, status=404)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "form": SearchForm(),
        "counts": selectors.publicity_counts(),
        "latest": selectors.latest_records(),
        "recent_days": selectors.RECENT_DAYS,
        "section": "home",
    }
    return render(request, "portal/home.html", context)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    result = selectors.search_subjects(query, page=_page_number(request))
    # The box shows the normalised query back, never a person's full document number.
    shown = SearchForm(initial={"q": result.query})
    context = {
        "form": shown,
        "result": result,
        "first_number": (result.page - 1) * result.page_size + 1,
        **_neighbours(result.page),
    }
    return render(request, "portal/search.html", context)


@require_safe
def subject(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        found = selectors.public_subject(subject_id=pk)
    except Subject.DoesNotExist:
        return _not_found(request, "该组织不存在，或不在公示范围内。")
    context = {"page": selectors.subject_page(found), "entries": subject_entries(found)}
    return render(request, "portal/subject.html", context)


@require_safe
def lists(request: HttpRequest) -> HttpResponse:
    listing = lists_browse(
        kind=text_param(request.GET, "kind", label="名单", max_length=64),
        query=text_param(request.GET, "q", label="组织名称或统一社会信用代码"),
        page=_page_number(request),
    )
    return render(
        request, "portal/lists.html", {"listing": listing, "section": "lists", **_neighbours(listing.page)}
    )


@require_safe
def records(request: HttpRequest) -> HttpResponse:
    options = selectors.browse_options()
    form = RecordFilterForm(request.GET or None, options=options)
    filters = selectors.RecordFilters()
    if form.is_bound:
        form.is_valid()  # an invalid filter is shown with its error and left out; the valid ones apply
        filters = form.filters()
    listing = selectors.records_browse(filters, page=_page_number(request), options=options)
    return render(
        request,
        "portal/records.html",
        {
            "form": form,
            "listing": listing,
            "filtered": filters != selectors.RecordFilters(),
            "section": "records",
            **_neighbours(listing.page),
        },
    )


@require_safe
def record(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        page = selectors.record_page(record_id=pk)
    except Record.DoesNotExist:
        return _not_found(request, "该信息不存在，或已不在公示期内。")
    return render(request, "portal/record.html", {"page": page, "section": "records"})
