"""Chinese names of audit actions and object types, for the pages (unknown ones show their code)."""

from __future__ import annotations

from typing import Final

ACTION_LABELS: Final[dict[str, str]] = {
    "org.config_loaded": "载入组织机构配置",
    "org.unit_created": "新建单位",
    "org.unit_updated": "修改单位",
    "org.leading_group_set": "设置领导小组名单",
    "org.liaison_started": "联络员到任",
    "org.liaison_ended": "联络员变更（离任）",
    "org.user_created": "创建用户",
    "org.review_policy_set": "设置须审核后公开的信息类别",
    "login.succeeded": "登录成功",
    "login.failed": "登录失败",
    "login.locked_out": "登录锁定",
    "login.unlocked": "解除登录锁定",
    "login.logged_out": "退出登录",
    "catalog.category_created": "新建信息类别",
    "catalog.category_updated": "修改信息类别",
    "intake.batch_imported": "导入报送批次",
    "intake.row_corrected": "更正待更正数据",
    "intake.row_discarded": "作废待更正数据",
    "intake.rows_replaced": "新文件替换待更正数据",
    "intake.batch_approved": "审核通过报送批次",
    "intake.batch_returned": "退回报送批次",
    "intake.api_import": "接口报送",
    "intake.rejected_rows_exported": "下载待更正数据",
    "intake.token_created": "创建接口令牌",
    "intake.token_revoked": "吊销接口令牌",
    "admin.created": "管理后台新增",
    "admin.changed": "管理后台修改",
    "admin.deleted": "管理后台删除",
    "records.revoked": "撤销信用记录",
    "records.transferred": "变更记录归属单位",
    "subjects.renamed": "主体更名",
    "subjects.person_viewed": "查看自然人证件号码",
    "portal.internal_lookup": "接口查询主体内部信息",
    "access.lookup_reviewed": "审查个人信息查询登记",
    "core.calendar_day_set": "录入工作日历日期",
    "core.calendar_day_cleared": "删除工作日历日期",
    "core.calendar_year_declared": "声明工作日历年度",
    "core.calendar_year_revoked": "撤销工作日历年度",
}

OBJECT_TYPE_LABELS: Final[dict[str, str]] = {
    "org.Unit": "单位",
    "org.Config": "组织机构配置",
    "org.LiaisonOfficer": "联络员",
    "org.User": "用户",
    "org.Position": "领导小组职务",
    "axes.AccessAttempt": "登录失败记录",
    "catalog.Category": "信息类别",
    "intake.Batch": "报送批次",
    "intake.RejectedRow": "待更正数据",
    "intake.ApiToken": "接口令牌",
    "access.ApiToken": "接口令牌",
    "access.Lookup": "个人信息查询登记",
    "records.Record": "信用记录",
    "subjects.Subject": "信用主体",
    "core.CalendarDay": "工作日历日期",
    "core.CalendarYear": "工作日历年度",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def object_type_label(object_type: str) -> str:
    return OBJECT_TYPE_LABELS.get(object_type, object_type)


def actor_label(label: str) -> str:
    """An event's actor when the user row is gone or there was none: "system" reads 系统, "anonymous" (a login
    attempt before anyone is logged in) 未登录访问者."""
    if label == "system":
        return "系统"
    if label == "anonymous":
        return "未登录访问者"
    return label.removeprefix("user:")
