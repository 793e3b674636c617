"""The linker, receipts and attachment checks on their own."""
from __future__ import annotations

import pytest

from core.linking import LinkIndex, unit_aliases
from plugins.media_tips import attachments, receipts


def test_paraphrased_tips_find_their_matter_and_unit(db_session, org, ledger):
    index = LinkIndex.build(db_session)
    result = index.link("西边那个区的公办幼儿园盖好了一直不招生，孩子没地方上学", region_code="990103")
    assert result.matters[0].id == ledger.kindergarten.id
    assert result.units[0].id == org.county_a2.id
    result = index.link("城关工地老板跑了，十几个工人的工钱要不回来")
    assert ledger.wages.id in [c.id for c in result.matters]
    assert result.units[0].id == org.county_b1.id
    assert all(0 <= c.score <= 1 for c in result.matters + result.units)


def test_a_unit_named_in_an_import_comes_first(db_session, org, ledger):
    result = LinkIndex.build(db_session).link("工资问题", unit_id=org.department.id)
    assert result.units[0].id == org.department.id and result.units[0].score == 1.0


def test_unit_aliases_strip_formal_suffixes():
    assert [alias for alias, _ in unit_aliases("河东区人民政府")] == ["河东区人民政府", "河东区", "河东"]
    assert [alias for alias, _ in unit_aliases("省教育厅")] == ["省教育厅"]


def test_receipt_codes_are_random_and_forgiving_to_type():
    codes = {receipts.new_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    assert receipts.digest(code) == receipts.digest(code.lower().replace("-", " "))
    assert receipts.digest(code.replace("1", "I").replace("0", "O")) == receipts.digest(code)


@pytest.mark.parametrize("data,name,ok", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20, "a.png", True),
    (b"%PDF-1.7\n", "report.PDF", True),
    (b"GIF89a" + b"\x00" * 10, "a.gif", True),
    (b"MZ\x90\x00", "setup.jpg", False),
    (b"%PDF-1.7\n", "report.jpg", False),
    (b"\xff\xd8\xff\xe0", "photo.exe", False),
    (b"", "empty.png", False),
])
def test_attachments_are_checked_by_content_and_name(data, name, ok):
    if ok:
        assert attachments.check(data, name).original_name == name
    else:
        with pytest.raises(attachments.AttachmentRejected):
            attachments.check(data, name)


def test_attachment_names_cannot_leave_the_folder():
    assert attachments.clean_name("../../etc/passwd") == "passwd"
    with pytest.raises(ValueError):
        attachments.path_of("/tmp", "../secret")
