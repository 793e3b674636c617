"""The columns of a ledger file (``duban import matters`` and the XLSX export), per CONTRACTS.md."""
from __future__ import annotations

from core.importing import Column, choice, code_list, decimal, integer, iso_date, optional_text, text

KINDS = {
    "法律法规和规范性文件": "document", "规范性文件": "document", "文件": "document",
    "政府会议决定": "meeting", "会议决定": "meeting", "会议": "meeting",
    "领导批示": "instruction", "批示": "instruction",
    "交办事项": "assignment", "交办": "assignment",
    "政府工作报告目标任务": "work_report", "工作报告目标": "work_report", "政府工作报告": "work_report",
    "其他": "other",
}

CADENCES = {
    "一次": "once", "一次性": "once", "单次": "once",
    "每月": "monthly", "月报": "monthly", "按月": "monthly",
    "每季度": "quarterly", "季报": "quarterly", "按季度": "quarterly",
}

LEDGER_COLUMNS = (
    Column("code", "事项编号", required=True),
    Column("title", "事项名称", required=True),
    Column("kind", "类别", required=True, parse=choice(KINDS)),
    Column("source_ref", "来源", parse=optional_text, default=""),
    Column("task", "任务", required=True),
    Column("lead_unit", "牵头单位", required=True, parse=text),
    Column("co_units", "配合单位", parse=code_list, default=[]),
    Column("deadline", "完成时限", required=True, parse=iso_date),
    Column("cadence", "报送频次", parse=choice(CADENCES), default="once"),
    # Extensions (documented in docs/ledger.md): a matter's weight for the review queue.
    Column("importance", "重要程度", parse=integer, default=None),
    Column("public_attention", "社会关注度", parse=integer, default=None),
    Column("people_affected", "涉及人数", parse=integer, default=None),
    Column("money_affected", "涉及金额", parse=decimal, default=None),
)

# Written by the export right after the column whose codes they name (类别 → 类别名称, ...), so a
# person reads names and an import still reads the codes: unknown columns are ignored.
NAME_COLUMNS = {
    "kind": ("kind_name", "类别名称"),
    "lead_unit": ("lead_unit_name", "牵头单位名称"),
    "co_units": ("co_unit_names", "配合单位名称"),
    "cadence": ("cadence_name", "报送频次名称"),
}

# Written by the export after the importable columns; ignored when imported again.
REPORT_COLUMNS = (
    ("state", "状态"),
    ("percent_done", "完成进度"),
    ("light", "状态灯"),
    ("days_overdue", "逾期天数"),
    ("delay_reason", "逾期原因"),
    ("task_id", "任务ID"),
)
