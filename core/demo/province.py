"""The demo province's units: a province, its cities, counties, towns and departments."""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.org.models import Unit, UnitLevel
from core.org.units import save_unit

# (code, name, level, region code, parent code)
UNITS: list[tuple[str, str, UnitLevel, str, str | None]] = [
    ("990000", "示范省人民政府", UnitLevel.province, "990000", None),
    ("990000-DCS", "省政府督查室", UnitLevel.department, "990000", "990000"),
    ("990000-SJT", "省审计厅", UnitLevel.department, "990000", "990000"),
    ("990000-FGW", "省发展和改革委员会", UnitLevel.department, "990000", "990000"),
    ("990000-JYT", "省教育厅", UnitLevel.department, "990000", "990000"),
    ("990000-ZJT", "省住房和城乡建设厅", UnitLevel.department, "990000", "990000"),
    ("990000-STT", "省生态环境厅", UnitLevel.department, "990000", "990000"),
    ("990100", "青山市人民政府", UnitLevel.city, "990100", "990000"),
    ("990102", "河东区人民政府", UnitLevel.county, "990102", "990100"),
    ("990103", "河西区人民政府", UnitLevel.county, "990103", "990100"),
    ("990121", "松林县人民政府", UnitLevel.county, "990121", "990100"),
    ("990100-ZJJ", "青山市住房和城乡建设局", UnitLevel.department, "990100", "990100"),
    ("990102001", "河东区东湖街道办事处", UnitLevel.town, "990102", "990102"),
    ("990102002", "河东区新桥镇人民政府", UnitLevel.town, "990102", "990102"),
    ("990103001", "河西区西山街道办事处", UnitLevel.town, "990103", "990103"),
    ("990200", "白水市人民政府", UnitLevel.city, "990200", "990000"),
    ("990202", "城关区人民政府", UnitLevel.county, "990202", "990200"),
    ("990221", "白河县人民政府", UnitLevel.county, "990221", "990200"),
    ("990222", "石桥县人民政府", UnitLevel.county, "990222", "990200"),
    ("990221001", "白河县柳营镇人民政府", UnitLevel.town, "990221", "990221"),
    ("990300", "云岭市人民政府", UnitLevel.city, "990300", "990000"),
    ("990302", "云中区人民政府", UnitLevel.county, "990302", "990300"),
    ("990321", "高峰县人民政府", UnitLevel.county, "990321", "990300"),
    ("990321001", "高峰县茶园乡人民政府", UnitLevel.town, "990321", "990321"),
]


def build_units(session: Session) -> dict[str, Unit]:
    """Create the demo units; returns them by code."""
    by_code: dict[str, Unit] = {}
    for code, name, level, region, parent_code in UNITS:
        parent = by_code[parent_code] if parent_code else None
        by_code[code] = save_unit(session, Unit(), code=code, name=name, level=level,
                                  region_code=region, parent=parent)
    return by_code
