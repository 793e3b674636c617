"""The demo province (示范省): units, accounts, and each plugin's share of data."""
from __future__ import annotations

from datetime import date

import pluggy
from sqlalchemy.orm import Session

from core.access.accounts import save_account
from core.access.models import Role, User
from core.demo.circulars import build_circular
from core.demo.ledger import build_ledger
from core.demo.province import build_units
from core.i18n import translation_dirs, translator
from core.plugins import plugin_translation_dirs, signal_kinds
from core.review.demo import build_reviews

# username, password, role (the role column is shown to whoever starts the demo)
# Username, password, and where the account sits (its unit, or nothing for the instance-wide roles).
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    ("admin", "demo-admin-2026", ""),
    ("duchashi", "demo-duchashi-2026", "省政府督查室"),
    ("shizhang", "demo-leader-2026", "示范省人民政府"),
    ("qingshan", "demo-qingshan-2026", "青山市政府督查室"),
    ("hedong", "demo-hedong-2026", "河东区"),
    ("hexi", "demo-hexi-2026", "河西区"),
    ("pinggu", "demo-pinggu-2026", ""),
    ("shenji", "demo-shenji-2026", "省审计厅"),
]

def demo_role(username: str) -> Role:
    """The role of one of the demo accounts."""
    return _ACCOUNT_DETAILS[username][0]


_ACCOUNT_DETAILS = {
    "admin": (Role.admin, "990000", "系统管理员", False),
    "duchashi": (Role.supervisor, "990000", "省督查室 王敏", True),
    "shizhang": (Role.leader, "990000", "李副省长", True),
    "qingshan": (Role.supervisor, "990100", "青山市督查室 陈刚", True),
    "hedong": (Role.unit_officer, "990102", "河东区 赵丽", True),
    "hexi": (Role.unit_officer, "990103", "河西区 孙伟", False),
    "pinggu": (Role.evaluator, None, "示范评估中心 周静", False),
    "shenji": (Role.auditor, "990000-SJT", "省审计厅 吴强", False),
}


def seed_demo(session: Session, pm: pluggy.PluginManager, today: date) -> None:
    """Fill an empty instance with the demo province; one transaction, the caller's."""
    build_units(session)
    for username, password, _where in DEMO_ACCOUNTS:
        role, unit_code, name, head = _ACCOUNT_DETAILS[username]
        save_account(session, User(), username=username, role=role, unit_code=unit_code,
                     display_name=name, email=f"{username}@demo.duban.local", is_unit_head=head,
                     password=password)
    build_ledger(session, today)
    pm.hook.duban_demo_data(session=session, today=today)
    build_reviews(session, pm, today)
    build_circular(session, today, signal_kinds(pm),
                   translator("zh_CN", translation_dirs(plugin_translation_dirs(pm))))
