"""The shared link index (core.linking): any source's texts find their matters and units."""
from __future__ import annotations

from datetime import date

from core.ledger.models import Matter, MatterKind, Task
from core.linking import LinkIndex, index_for, tokens


def _matter(session, code, title, unit, task):
    matter = Matter(code=code, title=title, kind=MatterKind.work_report, owner_unit_id=unit.id)
    session.add(matter)
    session.flush()
    session.add(Task(matter_id=matter.id, unit_id=unit.id, description=task, deadline=date(2026, 12, 31)))
    session.flush()
    return matter


def test_examples_staff_confirmed_teach_the_index_a_sources_words(db_session, org):
    lifts = _matter(db_session, "L-1", "老旧小区加装电梯", org.county_a1, "东湖街道老旧小区加装电梯")
    water = _matter(db_session, "L-2", "农村饮水安全", org.county_b1, "城关区农村供水管网改造")
    text = "楼里的升降梯装到一半停工了"
    untaught = {c.id: c.score for c in LinkIndex.build(db_session).link(text).matters}
    taught = LinkIndex.build(db_session, [(lifts.id, "升降梯停工没人管"), (water.id, "自来水发黄")]).link(text)
    assert taught.matters[0].id == lifts.id
    assert taught.matters[0].score > untaught.get(lifts.id, 0.0) + 0.1


def test_an_example_for_a_matter_that_is_gone_is_passed_over(db_session, org):
    lifts = _matter(db_session, "L-1", "老旧小区加装电梯", org.county_a1, "东湖街道老旧小区加装电梯")
    index = LinkIndex.build(db_session, [(lifts.id + 1000, "升降梯")])
    assert index.matter_ids == [lifts.id]


def test_the_fitted_index_is_reused_per_set_of_examples(db_session, org):
    lifts = _matter(db_session, "L-1", "老旧小区加装电梯", org.county_a1, "东湖街道老旧小区加装电梯")
    plain = index_for(db_session)
    taught = index_for(db_session, [(lifts.id, "升降梯停工")])
    assert plain is not taught
    assert index_for(db_session) is plain and index_for(db_session, [(lifts.id, "升降梯停工")]) is taught


def test_tokens_are_words_character_pairs_and_characters():
    found = tokens("加装电梯")
    assert "电梯" in found and "§加装" in found and "¤梯" in found
    assert "¤梯" not in tokens("加装电梯", singles=False)
