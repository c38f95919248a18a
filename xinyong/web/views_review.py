"""Review before publication (报送审核): the reviewer's queue, and approving or returning a waiting batch.

Thin adapters over `xinyong.intake.selectors` (the queue) and `xinyong.intake.review` (the writes, which check
that the user reviews the batch's department).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinyong.access.pages import section_view
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.intake import review
from xinyong.intake.selectors import review_queue
from xinyong.web import selectors as web_selectors


@section_view("review")
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "web/review_queue.html", {"items": review_queue(user=request.user)})


@require_POST
@section_view("review")
def batch_approve(request: HttpRequest, pk: int) -> HttpResponse:
    batch = web_selectors.batch_get(user=request.user, batch_id=pk)
    try:
        counts = review.batch_approve(batch=batch, actor=request.user)
    except XinyongError as exc:
        if exc.code == ErrorCode.FORBIDDEN:
            raise
        messages.error(request, exc.message)
        return redirect("web:batch", pk=pk)
    published = counts.created + counts.revised + counts.unchanged
    late = f"，其中 {counts.late} 条超过报送期限" if counts.late else ""
    refused = f"；{len(counts.refused)} 条因已由其他单位报送未能公开，已转入待更正数据" if counts.refused else ""
    messages.success(request, f"批次 {pk} 已审核通过，{published} 条信用记录已入库公开{late}{refused}。")
    return redirect("web:review_queue")


@require_POST
@section_view("review")
def batch_return(request: HttpRequest, pk: int) -> HttpResponse:
    batch = web_selectors.batch_get(user=request.user, batch_id=pk)
    try:
        review.batch_return(batch=batch, reason=request.POST.get("reason", ""), actor=request.user)
    except XinyongError as exc:
        if exc.code == ErrorCode.FORBIDDEN:
            raise
        messages.error(request, exc.message)
        return redirect("web:batch", pk=pk)
    messages.success(request, f"批次 {pk} 已退回报送部门，数据未公开。")
    return redirect("web:review_queue")
