"""The layout of Chinese official documents (党政机关公文格式, GB/T 9704-2012) for Word files.

Every document Duban issues as .docx (a circular, a referral letter, a work plan)
is built on :class:`OfficialDocument`: A4 with the standard margins; the title in
方正小标宋 (二号), the body in 仿宋_GB2312 (三号) with a two-character first-line
indent and fixed 28-point lines; headings numbered 一、 （一） 1. （1） in the order
they occur, the first level in 黑体, the second in 楷体_GB2312, the third and
fourth in the body's 仿宋; the page number in the footer as "— 1 —", odd pages on
the right and even pages on the left, each one character in; dates written
2026年12月6日.

Fonts are named as the standard names them, not embedded: offices have them. The
document's font table gives each one the font Windows ships under another name
(仿宋, 楷体, 宋体), which Word and WPS use where the named one is missing.
"""
from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from core.i18n import N_, Gettext

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
# What each named font falls back to on a computer without it (the fonts Windows ships).
FALLBACK_FONTS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", SUBHEADING_FONT: "楷体", HEADING_FONT: "SimHei"}
RED = RGBColor(0xC0, 0x00, 0x00)
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_TABLE = Pt(12)  # 小四
LINE = Pt(28)  # 22 lines of 28 characters on a page

# The four levels of headings: the marker (a msgid taking ``roman``, ``letter``,
# ``number`` and ``chinese``), the font, and whether the heading is bold.
HEADING_LEVELS = (
    (N_("%(roman)s. "), HEADING_FONT),  # 一、
    (N_("%(letter)s. "), SUBHEADING_FONT),  # （一）
    (N_("%(number)s. "), BODY_FONT),  # 1.
    (N_("(%(number)s) "), BODY_FONT),  # （1）
)
CHINESE_DIGITS = "〇一二三四五六七八九"
MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
          N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))


def chinese_date(day: date) -> str:
    """``2026年3月10日``, as official documents write dates."""
    return f"{day.year}年{day.month}月{day.day}日"


def document_date(day: date, gettext: Gettext) -> str:
    """A date as a document in the reader's language writes it: 2026年12月6日, or 6 December 2026."""
    return gettext("%(day)s %(month_name)s %(year)s") % {
        "year": day.year, "month": day.month, "day": day.day, "month_name": gettext(MONTHS[day.month - 1])}


def chinese_number(number: int) -> str:
    """一, 二, … 十, 十一, … 九十九: how headings count in Chinese (1 to 99)."""
    if not 0 < number < 100:
        return str(number)
    tens, units = divmod(number, 10)
    text = ("" if tens == 0 else "十" if tens == 1 else CHINESE_DIGITS[tens] + "十")
    return text + (CHINESE_DIGITS[units] if units else "")


def _roman(number: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    text = ""
    for value, letters in numerals:
        while number >= value:
            text += letters
            number -= value
    return text


def heading_marker(level: int, number: int, gettext: Gettext) -> str:
    """The marker of the ``number``-th heading at ``level`` (1 to 4): 一、 （一） 1. （1） in Chinese."""
    msgid, _font = HEADING_LEVELS[level - 1]
    return gettext(msgid) % {"roman": _roman(number), "letter": chr(ord("A") + (number - 1) % 26),
                             "number": number, "chinese": chinese_number(number)}


def set_run_font(run: Run, font: str, size: Pt, *, bold: bool = False, color: RGBColor | None = None) -> None:
    """Give a run ``font`` for Chinese and Latin text alike (Word reads Chinese fonts from w:eastAsia)."""
    run.font.name = font
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:hAnsi"), font)


def add_paragraph(document: DocxDocument, text: str = "", *, font: str = BODY_FONT, size: Pt = SIZE_3,
                  align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = True, bold: bool = False,
                  color: RGBColor | None = None) -> Paragraph:
    """A paragraph in the official layout: fixed 28-point lines, a two-character first-line indent."""
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)
    if align is not None:
        paragraph.alignment = align
    if text:
        set_run_font(paragraph.add_run(text), font, size, bold=bold, color=color)
    return paragraph


def red_rule(paragraph: Paragraph) -> None:
    """A red line under ``paragraph`` (the masthead's separator, 版头分隔线)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _page_field(paragraph: Paragraph) -> None:
    """A PAGE field (Word fills in the page's number) between two em dashes: ``— 1 —``."""
    def run(text: str = "") -> Run:
        added = paragraph.add_run(text)
        set_run_font(added, PAGE_NUMBER_FONT, SIZE_4)
        return added

    run("— ")
    for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        element = run()._r
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            element.append(char)
        elif instruction == " PAGE ":
            text = OxmlElement("w:instrText")
            text.set(qn("xml:space"), "preserve")
            text.text = instruction
            element.append(text)
        else:
            text = OxmlElement("w:t")
            text.text = instruction
            element.append(text)
    run(" —")


def _page_numbers(document: DocxDocument, section: Section) -> None:
    """Page numbers in the footer: odd pages right-aligned, even pages left-aligned, one character in."""
    document.settings.odd_and_even_pages_header_footer = True
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        if side == "right":
            paragraph.paragraph_format.right_indent = Pt(SIZE_4.pt)
        else:
            paragraph.paragraph_format.left_indent = Pt(SIZE_4.pt)
        _page_field(paragraph)


def _font_fallbacks(document: DocxDocument) -> None:
    """Declare each named font in the font table with the font it falls back to (w:altName)."""
    part = next(rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable"))
    table = parse_xml(part.blob)
    for name, fallback in FALLBACK_FONTS.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt = OxmlElement("w:altName")
        alt.set(qn("w:val"), fallback)
        font.append(alt)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        font.append(charset)
        table.append(font)
    # python-docx keeps the font table as a plain part whose bytes are written as they are.
    part._blob = serialize_part_xml(table)


class OfficialDocument:
    """A .docx in the official layout, written top to bottom; headings are numbered as they are added."""

    def __init__(self, gettext: Gettext) -> None:
        self.gettext = gettext
        self.document = Document()
        self._counts = [0, 0, 0, 0]
        section = self.document.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        section.footer_distance = Cm(2.5)
        normal = self.document.styles["Normal"]
        normal.font.name = BODY_FONT
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
        _font_fallbacks(self.document)
        _page_numbers(self.document, section)

    def paragraph(self, text: str = "", *, align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = True) -> Paragraph:
        """A body paragraph in 仿宋 三号."""
        return add_paragraph(self.document, text, align=align, indent=indent)

    def heading(self, text: str, level: int = 1) -> Paragraph:
        """A heading at ``level`` (1 to 4), numbered after the headings before it; deeper levels restart."""
        self._counts[level - 1] += 1
        for deeper in range(level, len(self._counts)):
            self._counts[deeper] = 0
        marker = heading_marker(level, self._counts[level - 1], self.gettext)
        _msgid, font = HEADING_LEVELS[level - 1]
        return add_paragraph(self.document, marker + text, font=font)

    def title(self, text: str) -> Paragraph:
        """The document's title, centred in 方正小标宋 二号."""
        return add_paragraph(self.document, text, font=TITLE_FONT, size=SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER,
                             indent=False)

    def signature(self, issuer: str, day: date) -> None:
        """The issuing unit and the date, right-aligned at the foot (the date in the document's language)."""
        add_paragraph(self.document, indent=False)
        add_paragraph(self.document, issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        add_paragraph(self.document, document_date(day, self.gettext), align=WD_ALIGN_PARAGRAPH.RIGHT,
                      indent=False)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()
