"""An address typed by a person is taken only when mail can be sent to it, to it alone."""
from __future__ import annotations

import pytest

from core.mail_address import is_mail_address


@pytest.mark.parametrize("text", [
    "zhang@example.cn", "Zhang.San@Example.CN", "zhang+survey@mail.example-gov.cn", "o'neil@example.org",
    "张三@例子.中国", "li@bücher.de", "li@xn--fsqu00a.xn--fiqs8s",
])
def test_a_plain_address_is_taken(text: str) -> None:
    assert is_mail_address(text)


@pytest.mark.parametrize("text", [
    "", "zhang", "zhang@", "@example.cn", "zhang@example", "z@localhost",
    # more than one address, or more than an address: a display name, a comment, a header
    "z@e.cn, l@e.cn", "z@e.cn;l@e.cn", "Zhang <z@e.cn>", "z(office)@e.cn", "z@e.cn\r\nBcc: x@e.cn",
    "alice@example.org)<bob@example.org>", "a@b@c.cn",
    # local parts mail servers disagree about
    "zhang san@e.cn", '"zhang san"@e.cn', "zhang..san@e.cn", ".zhang@e.cn", "zhang.@e.cn", "zhang @e.cn",
    # host names that are not
    "z@-e.cn", "z@e-.cn", "z@e..cn", "z@.e.cn", "z@e.cn.", "z@e_x.cn", "z@1.2.3.4", "z@[1.2.3.4]",
    "z@例子。中国", "z@ｅｘａｍｐｌｅ.cn",  # IDNA would send these to another name than the one stored
    "x" * 65 + "@e.cn", "z@" + "x" * 64 + ".cn", "z@" + "a." * 127 + "cn",
])
def test_anything_else_is_refused(text: str) -> None:
    assert not is_mail_address(text)
