"""The quality dashboard (/quality/): every department for the credit office, their own for departments."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from xinyong.intake.models import Batch
from xinyong.org.models import User
from xinyong.web.tests import factories
from xinyong.web.tests.conftest import DECIDED

pytestmark = pytest.mark.django_db

URL = "/quality/"


def _html(client: Client, **params: str) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, unit_code: str) -> str:
    """The HTML of one department's section."""
    pk = factories.unit(unit_code).pk
    start = html.index(f'id="dept-{pk}"')
    return html[start : html.index("</section>", start)]


def test_route_and_navigation(login: Any, batches: dict[str, Batch]) -> None:
    assert reverse("web:quality") == URL
    for role in ("admin", "reporter", "reviewer"):
        nav = login(role).get(reverse("web:home")).content.decode().split('aria-label="主导航"', 1)[1]
        assert "归集质量" in nav.split("</nav>", 1)[0], role
    nav = login("handler").get(reverse("web:home")).content.decode().split('aria-label="主导航"', 1)[1]
    assert "归集质量" not in nav.split("</nav>", 1)[0]


def test_admin_sees_every_department_with_reasons_chart_and_table(
    login: Any, batches: dict[str, Batch]
) -> None:
    html = _html(login("admin"))  # the pinned clock says 2026
    assert "2026年信息归集质量" in html
    assert "综合执法局（含安全监督科）" in html and "环保科" in html
    assert "仅显示您所在单位的情况" not in html

    # 综合执法局: 3 rows, 1 rejected; 2 records decided 2026-11-02, sent 2026-11-26 (11 working days late);
    # it must also provide 行政许可信息 and sent none.
    zhzfj = _section(html, "zhzfj")
    assert "得分 8 / 17，扣 9 分" in zhzfj
    assert "缺 1 类（行政许可信息），每类扣 2 分" in zhzfj
    assert "收到 3 行，未通过校验 1 行，不合格率 约33.3333%" in zhzfj
    assert "迟报工作日数&gt;5的共 2 条记录" in zhzfj
    assert "2026年11月（2条）" in zhzfj
    assert "仅供参考" in zhzfj  # the other reading of "每一项"
    # The chart, its data and the table beside it.
    pk = factories.unit("zhzfj").pk
    assert f'id="quality-{pk}-chart"' in zhzfj and "data-quality-chart" in zhzfj and 'role="img"' in zhzfj
    assert f'aria-describedby="quality-{pk}-table-caption"' in zhzfj
    found = re.search(rf'<script id="quality-{pk}-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    data = json.loads(found.group(1))
    assert data["categories"] == ["行政许可信息", "行政处罚信息"]
    assert (data["rows"], data["noncompliant"], data["late"]) == ([0, 3], [0, 1], [0, 2])
    assert f'<table class="table table-compact" id="quality-{pk}-table">' in zhzfj
    # Scripts are vendored, no CDN.
    assert "/static/web/echarts.min.js" in html and "/static/web/quality.js" in html
    assert "cdn" not in html.lower()
    # The interpretations are on the page.
    assert "口径说明" in html and "恰好1%扣2分" in html and "《民法典》第一千二百五十九条" in html


def test_reporter_and_reviewer_see_only_their_unit(login: Any, batches: dict[str, Batch]) -> None:
    html = _html(login("reporter"))
    assert "综合执法局（含安全监督科）" in html and "环保科" not in html
    assert "仅显示您所在单位的情况" in html
    html = _html(login("reviewer"))
    assert "环保科" in html and "综合执法局" not in html


def test_reporter_of_a_unit_with_nothing_still_sees_it(users: dict[str, User], client: Client) -> None:
    client.force_login(factories.make_user("jjk", [("reporter", "dzb-jjk")]))
    html = _html(client)
    assert "党政办纪检科" in html and "没有要求本部门提供的类别" in html


@pytest.mark.parametrize("role", ["handler", "auditor", "norole"])
def test_other_roles_are_refused(role: str, login: Any, batches: dict[str, Batch]) -> None:
    response = login(role).get(URL)
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


def test_year_parameter(login: Any, batches: dict[str, Batch]) -> None:
    client = login("admin")
    html = _html(client, year="2025")
    assert "2025年信息归集质量" in html
    # Nothing was sent in 2025: departments that had to provide something lose 3.1, nothing else.
    zhzfj = _section(html, "zhzfj")
    assert "应提供的类别均未提供" in zhzfj and "当年未收到数据" in zhzfj
    html = _html(client, year="20x6")
    assert "年度“20x6”不正确" in html and "2026年信息归集质量" in html
    html = _html(client, year="1900")
    assert "不正确" in html and "2026年信息归集质量" in html


def test_batches_without_a_department_are_shown_apart(
    login: Any, batches: dict[str, Batch], users: dict[str, User], tmp_path: Path
) -> None:
    zhzfj = factories.unit("zhzfj")
    rows = [
        factories.penalty_row(
            number="澄利罚〔2026〕N1号", authority=zhzfj, name="江阴市利港某机械厂", uscc=factories.company_uscc(31),
            decided=DECIDED,
        ),
        factories.penalty_row(
            number="澄利罚〔2026〕N2号", authority=zhzfj, name="江阴市利港某五金厂", uscc=factories.company_uscc(32),
            decided=DECIDED, fact="",
        ),
    ]  # fmt: skip
    factories.import_penalties(
        tmp_path, department=None, actor=users["admin"], rows=rows, name="未选部门.csv"
    )
    html = _html(login("admin"))
    assert "有 1 个报送批次未指定报送部门，共 2 行" in html
    assert "未指定报送部门" not in _html(login("reporter")).split("口径说明")[0]


def test_query_count_does_not_grow_with_departments(
    login: Any,
    batches: dict[str, Batch],
    users: dict[str, User],
    tmp_path: Path,
    django_assert_max_num_queries: Any,
) -> None:
    client = login("admin")
    with django_assert_max_num_queries(14):
        first = _html(client)
    for code in ("zwfwzx", "jsglbgs", "scjgzd", "pcs"):
        factories.good_and_bad_penalties(
            tmp_path, department=factories.unit(code), actor=users["admin"], decided=DECIDED, tag=code.upper(),
            with_person=False,
        )  # fmt: skip
    with django_assert_max_num_queries(14):
        second = _html(client)
    # Departments that must provide something are listed either way; four more have received rows now.
    assert second.count("未通过校验 1 行") == first.count("未通过校验 1 行") + 4
    reporter = login("reporter")
    with django_assert_max_num_queries(18):
        _html(reporter)
