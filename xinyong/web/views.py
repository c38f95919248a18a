"""Page views: thin adapters that read through selectors and write through services.

Every view wears `section_view(...)`: login required, then the roles of its section (403 page otherwise).
"""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_client_username
from django.contrib.auth import views as auth_views
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from xinyong.access.logins import cool_off, locks_of
from xinyong.access.pages import section_view, user_roles
from xinyong.core import clock
from xinyong.core.errors import XinyongError
from xinyong.core.params import int_param
from xinyong.core.workdays import MAX_DECLARABLE_YEAR, MIN_DECLARABLE_YEAR
from xinyong.intake import selectors as intake_selectors
from xinyong.org.models import Role
from xinyong.subjects import selectors as subject_selectors
from xinyong.subjects.services import person_lookup
from xinyong.web import labels
from xinyong.web import selectors as web_selectors
from xinyong.web.forms import AuditFilterForm, BatchFilterForm, LoginForm, PurposeForm, SubjectSearchForm
from xinyong.web.selectors import PAGE_SIZE

# The batch page lists at most this many rows waiting for review; the rest are counted.
STAGED_SHOWN = 500


def _page(request: HttpRequest, items: Any) -> Page[Any]:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _render_list(request: HttpRequest, full: str, fragment: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only the results when htmx asks (the same URL answers both, so vary on it)."""
    response = render(request, fragment if getattr(request, "htmx", False) else full, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the answer to a login refused for lock-out (on /login/ and /admin/login/).

    429 with Retry-After, as the public pages answer a client over its rate limit: the refusal is temporary and
    says when to come back. (Axes hands the response it replaces; nothing of it is kept.)
    """
    now = timezone.now()
    username = get_client_username(request, credentials)
    locks = locks_of(username=username, address=getattr(request, "axes_ip_address", None), now=now)
    until = max((lock.until for lock in locks), default=now + cool_off())
    seconds = max(1, math.ceil((until - now).total_seconds()))
    context = {
        "by_account": any(lock.criterion == "username" for lock in locks),
        "by_address": any(lock.criterion == "ip_address" for lock in locks),
        "minutes": math.ceil(seconds / 60),
        "until": timezone.localtime(until),
    }
    response = render(request, "web/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    # The refusal is about this client at this moment: no cache may keep it for others.
    response["Cache-Control"] = "no-store"
    return response


@section_view("home")
def home(request: HttpRequest) -> HttpResponse:
    roles = user_roles(request)
    context: dict[str, Any] = {"has_roles": bool(roles)}
    if Role.CREDIT_ADMIN in roles:
        context["overview"] = web_selectors.overview(user=request.user)
    if roles & {Role.REPORTER, Role.REVIEWER}:
        context["desk"] = web_selectors.department_desk(user=request.user)
    if roles & {Role.REVIEWER, Role.CREDIT_ADMIN}:
        queue = intake_selectors.review_queue(user=request.user, roles=roles)
        context["review_waiting"] = len(queue)
        context["review_overdue"] = sum(1 for item in queue if item.overdue)
    if Role.HANDLER in roles:
        context["search_form"] = SubjectSearchForm()
    if Role.AUDITOR in roles:
        context["audit"] = web_selectors.audit_desk(user=request.user)
    return render(request, "web/home.html", context)


@section_view("org")
def org(request: HttpRequest) -> HttpResponse:
    return render(request, "web/org.html", {"org": web_selectors.org_overview()})


@section_view("catalog")
def catalog(request: HttpRequest) -> HttpResponse:
    return render(request, "web/catalog_list.html", {"categories": web_selectors.category_list()})


@section_view("catalog")
def category(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "web/catalog_detail.html", {"page": web_selectors.category_page(category_id=pk)})


@section_view("batches")
def batches(request: HttpRequest) -> HttpResponse:
    browser = web_selectors.batch_browser(user=request.user)
    form = BatchFilterForm(request.GET or None, units=browser.units(), categories=browser.categories())
    department, category_code = None, ""
    if form.is_bound and form.is_valid():
        department = form.cleaned_data["department"]
        category_code = form.cleaned_data["category"]
    items = browser.batches(department=department, category_code=category_code)
    context = {"form": form, "page_obj": _page(request, items)}
    return _render_list(request, "web/batch_list.html", "web/_batch_results.html", context)


@section_view("batches")
def batch(request: HttpRequest, pk: int) -> HttpResponse:
    item = web_selectors.batch_get(user=request.user, batch_id=pk)
    page_obj = _page(request, web_selectors.rejected_rows(batch=item))
    rows = web_selectors.rejected_row_views(batch=item, rows=list(page_obj.object_list))
    context: dict[str, Any] = {"batch": item, "page_obj": page_obj, "rows": rows}
    if item.review_status:
        staged = list(intake_selectors.staged_rows(batch=item)[: STAGED_SHOWN + 1])
        context.update(
            staged=web_selectors.staged_row_views(batch=item, rows=staged[:STAGED_SHOWN]),
            staged_more=len(staged) > STAGED_SHOWN,
            staged_total=intake_selectors.staged_rows(batch=item).count() if len(staged) > STAGED_SHOWN else 0,
            may_review=intake_selectors.may_review(request.user, item),
        )
    return render(request, "web/batch_detail.html", context)


@section_view("subjects")
def subjects(request: HttpRequest) -> HttpResponse:
    form = SubjectSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    items = subject_selectors.subject_search(user=request.user, query=query)
    context = {"form": form, "query": query, "page_obj": _page(request, items)}
    return _render_list(request, "web/subject_list.html", "web/_subject_results.html", context)


@require_http_methods(["GET", "POST"])
@section_view("subjects")
def subject(request: HttpRequest, pk: int) -> HttpResponse:
    file = subject_selectors.subject_file(user=request.user, subject_id=pk)
    form = PurposeForm()
    lookup = None
    if request.method == "POST":
        if not file.is_person:
            return HttpResponseBadRequest("该主体没有需要登记查询的个人证件号码。")
        form = PurposeForm(request.POST)
        if form.is_valid():
            try:
                lookup = person_lookup(
                    subject=file.subject,
                    user=request.user,
                    purpose_code=form.cleaned_data["purpose"],
                    case_reference=form.cleaned_data["case_reference"],
                )
            except XinyongError as exc:
                form.add_error("purpose", exc.message)
    context = {"file": file, "subject": file.subject, "form": form, "revealed": lookup is not None, "lookup": lookup}
    if request.method == "POST" and getattr(request, "htmx", False):
        return render(request, "web/_person_identifier.html", context)
    return render(request, "web/subject_detail.html", context)


@section_view("calendar")
def calendar(request: HttpRequest) -> HttpResponse:
    year = int_param(
        request.GET,
        "year",
        label="年份",
        default=clock.today().year,
        minimum=MIN_DECLARABLE_YEAR,
        maximum=MAX_DECLARABLE_YEAR,
    )
    return render(request, "web/calendar.html", {"cal": web_selectors.calendar_year(year=year)})


@section_view("audit")
def audit(request: HttpRequest) -> HttpResponse:
    log = web_selectors.audit_log(user=request.user)
    form = AuditFilterForm(
        request.GET or None,
        actions=[(a, _action_choice(a)) for a in log.actions],
        object_types=[(t, labels.object_type_label(t)) for t in log.object_types],
    )
    filters = {"action": "", "object_type": "", "object_id": ""}
    if form.is_bound and form.is_valid():
        filters = {key: form.cleaned_data[key] or "" for key in filters}
    context = {"form": form, "page_obj": _page(request, log.events(**filters)), "status": log.status}
    return render(request, "web/audit.html", context)


def _action_choice(action: str) -> str:
    label = labels.action_label(action)
    return f"{label}（{action}）" if label != action else action
