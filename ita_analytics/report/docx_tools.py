"""python-docx helpers for Thai official documents: TH Sarabun New 16 pt, tables, landscape pages."""

from __future__ import annotations

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from ita_analytics.report.formatting import convert_digits

BODY_FONT = "TH Sarabun New"
"""The Thai government document font, named in the file; readers without it substitute."""
FALLBACK_FONT = "Laksaman"
"""Recorded as the alternative name: Debian's fonts-thai-tlwg face derived from TH Sarabun New."""
BODY_SIZE = Pt(16)
TABLE_SIZE = Pt(14)
THAI_CHARSET = "DE"
"""Windows charset 222 (Thai): lets Word pick a Thai face when the named one is missing."""


def _set_run_fonts(rpr, size: Pt | None = None) -> None:
    """Name the body font for every script (Thai is a complex script: w:cs and w:szCs)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), BODY_FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            el = rpr.find(qn(tag))
            if el is None:
                el = OxmlElement(tag)
                rpr.append(el)
            el.set(qn("w:val"), str(int(size.pt * 2)))


def set_size(run, size: Pt) -> None:
    """A run's size for Latin and for Thai (a complex script, sized by w:szCs: ``font.size``
    alone left Thai text of tables at the body's 16 pt)."""
    run.font.size = size
    rpr = run._element.get_or_add_rPr()
    el = rpr.find(qn("w:szCs"))
    if el is None:
        el = OxmlElement("w:szCs")
        rpr.append(el)
    el.set(qn("w:val"), str(int(size.pt * 2)))


def _register_font(document) -> None:
    """Add the body font to the font table with a Thai charset and its fallback's name."""
    font_table = next((p for p in document.part.package.iter_parts()
                       if p.partname.endswith("/fontTable.xml")), None)
    if font_table is None:
        return
    root = parse_xml(font_table.blob)
    font = OxmlElement("w:font")
    font.set(qn("w:name"), BODY_FONT)
    for tag, value in (("w:altName", FALLBACK_FONT), ("w:charset", THAI_CHARSET),
                       ("w:family", "swiss"), ("w:pitch", "variable")):
        el = OxmlElement(tag)
        el.set(qn("w:val"), value)
        font.append(el)
    root.append(font)
    font_table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                      standalone=True)


def new_document():
    """A blank A4 document whose styles use the body font at 16 pt (headings bold, black)."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(2.0)
    for style in document.styles:
        if style.type != 1:  # paragraph styles only
            continue
        rpr = style.element.get_or_add_rPr()
        size = BODY_SIZE if style.name in ("Normal", "Heading 2", "Heading 3") else None
        _set_run_fonts(rpr, size)
        if style.name.startswith("Heading") or style.name == "Title":
            style.font.color.rgb = RGBColor(0, 0, 0)
            style.font.bold = True
    for name, size in (("Heading 1", Pt(18)), ("Title", Pt(20))):
        _set_run_fonts(document.styles[name].element.get_or_add_rPr(), size)
    _register_font(document)
    return document


def add_paragraph(document, text: str, *, bold: bool = False, center: bool = False,
                  size: Pt | None = None, indent: bool = False):
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold
    if size is not None:
        set_size(run, size)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1.25)
    paragraph.paragraph_format.space_after = Pt(2)
    return paragraph


def add_table(document, header: list[str], rows: list[list[str]], *,
              widths_cm: list[float] | None = None, align_right: set[int] | None = None,
              bold_last_row: bool = False):
    """A bordered table (header row bold and repeated on each page), text at 14 pt."""
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    align_right = align_right or set()

    def fill(cells, values, bold=False):
        for i, value in enumerate(values):
            cell = cells[i]
            cell.text = ""
            lines = str(value).split("\n")
            paragraph = cell.paragraphs[0]
            for k, line in enumerate(lines):
                if k:
                    paragraph = cell.add_paragraph()
                run = paragraph.add_run(line)
                run.bold = bold
                set_size(run, TABLE_SIZE)
                paragraph.paragraph_format.space_after = Pt(0)
                if i in align_right:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    fill(table.rows[0].cells, header, bold=True)
    header_pr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_pr.append(repeat)
    for k, values in enumerate(rows):
        fill(table.add_row().cells, values, bold=bold_last_row and k == len(rows) - 1)
    if widths_cm:
        # Word reads each cell's width, LibreOffice the table's grid: both are set.
        for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm):
            column.set(qn("w:w"), str(int(Cm(width).twips)))
        for row in table.rows:
            for cell, width in zip(row.cells, widths_cm):
                cell.width = Cm(width)
    return table


def merge_cells(first, last):
    """One cell from ``first`` to ``last`` holding ``first``'s text (the others' empty
    paragraphs dropped)."""
    merged = first.merge(last)
    for paragraph in merged.paragraphs[1:]:
        if not paragraph.text:
            paragraph._element.getparent().remove(paragraph._element)
    return merged


def start_section(document, *, landscape: bool):
    """A new page section in portrait or landscape A4."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    wide, tall = Cm(29.7), Cm(21.0)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = wide, tall
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = tall, wide
    return section


def set_footer(document, text: str) -> None:
    """``text`` at the foot of every page, small and centred (later sections share the first
    section's footer)."""
    footer = document.sections[0].footer
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.text = ""
    run = paragraph.add_run(text)
    set_size(run, Pt(12))
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def apply_digits(document, system: str, keep: tuple[str, ...] = ()) -> None:
    """One digit system for the whole document: every text of the body, its tables, headers and
    footers, and the title in its properties; web addresses and ``keep`` (file names) as they
    are."""
    roots = [document.element.body]
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                roots.append(part._element)
    for root in roots:
        for node in root.iter(qn("w:t")):
            if node.text:
                node.text = convert_digits(node.text, system, keep)
    if document.core_properties.title:
        document.core_properties.title = convert_digits(document.core_properties.title, system,
                                                        keep)
