"""The hotline's page: orders about the units the user may see, filtered by unit, matter and kind."""
from __future__ import annotations

import os

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from core.ledger.models import Matter
from core.org.models import Unit
from duban_hotline.models import CATEGORY_LABELS, SATISFACTION_LABELS, Category, Order
from duban_hotline.signals import held_as_tips
from web.plugin_api import capability_required, request_scope, request_session

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = 50

bp = Blueprint("hotline_orders", __name__, url_prefix="/hotline", template_folder=os.path.join(HERE, "templates"))


@bp.get("/")
@capability_required("hotline_orders.view")
def index() -> str:
    """The newest orders first, PAGE at a time; each names its unit and matter and whether it is also a tip."""
    session, scope = request_session(), request_scope()
    query = scope.select(Order)
    unit_id = request.args.get("unit", type=int)
    matter_id = request.args.get("matter", type=int)
    category = request.args.get("category", "")
    if unit_id:
        query = query.where(Order.unit_id == unit_id)
    if matter_id:
        query = query.where(Order.matter_id == matter_id)
    if category in Category.__members__:
        query = query.where(Order.category == Category(category))
    page = max(1, request.args.get("page", 1, type=int))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    orders = list(session.scalars(query.order_by(Order.received_at.desc(), Order.id.desc())
                                  .offset((page - 1) * PAGE).limit(PAGE)))
    units = {unit.id: unit for unit in session.scalars(
        select(Unit).where(Unit.id.in_({o.unit_id for o in orders} | {o.handling_unit_id or 0 for o in orders})))}
    matters = {matter.id: matter for matter in session.scalars(
        select(Matter).where(Matter.id.in_({o.matter_id for o in orders if o.matter_id})))}
    return render_template("hotline_orders/index.html", orders=orders, units=units, matters=matters,
                           tips=held_as_tips(session, [o.number for o in orders]), total=total, page=page,
                           pages=max(1, -(-total // PAGE)), categories=CATEGORY_LABELS,
                           satisfaction=SATISFACTION_LABELS, unit_id=unit_id, matter_id=matter_id, category=category,
                           visible_units=scope.visible_units(), can_import=scope.can("hotline_orders.import"))
