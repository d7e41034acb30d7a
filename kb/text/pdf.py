"""A PDF's text, page by page, with pdfplumber (or Tesseract for a scan).

The pages are joined by form feeds as every text in sources/ extracted from
a PDF is: each page's text ends with a newline and page k+1's text starts
with ``\\f`` (see loaders/pages.py).  pdfplumber's default layout settings
are kept: on the LegCo submissions and the government's speeches they give
one line per printed line with no doubled characters, where a smaller
``x_tolerance`` splits Chinese words with spaces.  Three repairs follow,
for every PDF alike: look-alike code points folded (⼀ to 一), the spaces a
justified line puts between Han characters closed up, and, in a document
whose font maps 一 to an em dash (服務—向), a lone em dash beside Han
characters read as 一 (a document that does not keeps 如下— as it is).

With ``marks=True`` a line set apart by its look is marked as Markdown
marks it, so that a loader reading plain text can still see it
(``marked_line``): ``## `` before a line in type larger than the
document's running text, ``**…**`` around a line wholly in a bold face or
underlined.  Only what pdfplumber gives is used (each character's font
name and size, the page's thin horizontal rules); the text is otherwise
the same.
"""

import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy
import pdfplumber
from PIL import Image
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from kb.text.pages import FORM_FEED, fold_lookalikes
from kb.text.styles import LineStyle, body_size, line_style, marked_line

PDF_MAGIC = b"%PDF-"
# A page with fewer characters than this (spaces aside) carries no text layer
# worth the name: a scan, perhaps with a stamp added as text.
MIN_PAGE_CHARS = 50
OCR_LANGUAGES = "chi_tra+eng"
# Tesseract's page segmentation 6 (one block of text): on the LegCo scans the
# automatic layout analysis drops underlined headings (一、 二、) altogether.
OCR_PAGE_SEGMENTATION = "6"
OCR_RESOLUTION = 300
# The most pixels a page may have at OCR_RESOLUTION: A2 (420 × 594 mm) has
# 35 million.  A larger page would take gigabytes to render (a 60000 pt
# square page, 250000 pixels a side, takes 62 GB) and is no page of text.
MAX_OCR_PIXELS = 50_000_000
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_HAN_OR_PUNCT = _HAN + "\u3000-\u303f\uff01-\uff5e"
_SPACE_BETWEEN_HAN_RE = re.compile(rf"(?<=[{_HAN_OR_PUNCT}])[ \t\u3000]+(?=[{_HAN_OR_PUNCT}])")
# 一 printed as an em dash shows between two Han characters (服務—向); only a
# document where it does is read so at line ends too, where "如下—" is a dash.
_DASH_FOR_YI_RE = re.compile(rf"(?<=[{_HAN}])—(?=[{_HAN}，、])")
_LONE_DASH_RE = re.compile(rf"(?<=[{_HAN}])—(?=[{_HAN_OR_PUNCT}]|$)|^—(?=[{_HAN}])", re.M)
_OCR_PUNCT = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
_OCR_PUNCT_RE = re.compile(rf"(?<=[{_HAN_OR_PUNCT}])[ \t]*([,:;!?])[ \t]*(?=[{_HAN_OR_PUNCT}]|$)", re.M)


class PdfError(ValueError):
    """A file cannot be read as a PDF with text; the message names the file."""


class ScannedPdfError(PdfError):
    """A PDF whose pages are images without a text layer."""


def is_pdf(path: str | Path) -> bool:
    """Whether the file starts as every PDF does (``%PDF-``)."""
    with open(path, "rb") as file:
        return file.read(1024).lstrip().startswith(PDF_MAGIC)


def pdf_pages(path: str | Path, marks: bool = False) -> list[str]:
    """The text of each page of a PDF, repaired (see the module docstring),
    with ``marks`` its lines set apart by their look marked.

    Raises PdfError for a file that is not a PDF or is encrypted, and
    ScannedPdfError when most pages have no text layer.
    """
    path = Path(path)
    with _open(path) as pdf:
        if pdf.doc.encryption is not None:
            raise PdfError(f"{path}: the PDF is encrypted; save an unencrypted copy first")
        texts = [page.extract_text() or "" for page in pdf.pages]
        styles = _page_styles(pdf.pages, texts) if marks else None
    if not texts:
        raise PdfError(f"{path}: the PDF has no pages")
    if looks_scanned(texts):
        raise ScannedPdfError(f"{path}: no text layer: it looks scanned; add it with --ocr")
    dash_for_yi = any(_DASH_FOR_YI_RE.search(text) for text in texts)
    if styles is None:
        return [repair(text, dash_for_yi) for text in texts]
    return [_marked_page(text, page_styles, dash_for_yi) for text, page_styles in zip(texts, styles)]


def _page_styles(pages, texts: list[str]) -> list[list[LineStyle] | None]:
    """Each page's line styles, one a line of its text (None for a page
    whose lines pdfplumber groups otherwise)."""
    lines = [page.extract_text_lines(return_chars=True, strip=False) for page in pages]
    size = body_size([char for page_lines in lines for line in page_lines for char in line["chars"]])
    found = []
    for page, page_lines, text in zip(pages, lines, texts):
        rules = [rule for rule in page.rects + page.lines if abs(rule["bottom"] - rule["top"]) <= 1.5]
        styles = [line_style(line, rules, size) for line in page_lines]
        found.append(styles if len(styles) == len(text.split("\n")) else None)
    return found


def _marked_page(text: str, styles: list[LineStyle] | None, dash_for_yi: bool) -> str:
    lines = text.split("\n")
    if styles is None:
        return repair(text, dash_for_yi)
    return "\n".join(marked_line(repair(line, dash_for_yi), style) for line, style in zip(lines, styles))


def looks_scanned(page_texts: list[str]) -> bool:
    """Whether at least half the pages hold (almost) no text, the last
    page of several aside: it may hold no more than a signature and a date."""
    counted = page_texts[:-1] if len(page_texts) > 1 else page_texts
    empty = sum(1 for text in counted if len("".join(text.split())) < MIN_PAGE_CHARS)
    return empty * 2 >= len(counted)


def join_pages(page_texts: list[str]) -> str:
    """Pages joined by form feeds, each page ending with a newline."""
    return FORM_FEED.join(text if text.endswith("\n") else text + "\n" for text in page_texts)


def pdf_text(path: str | Path, marks: bool = False) -> str:
    """A PDF's text, pages joined by form feeds (``marks``: see pdf_pages)."""
    return join_pages(pdf_pages(path, marks))


def repair(text: str, dash_for_yi: bool = False) -> str:
    """One page's text with look-alikes folded, spaces between Han characters
    closed up and, where ``dash_for_yi``, a lone em dash beside Han
    characters read as 一."""
    text = fold_lookalikes(text.replace(FORM_FEED, ""))
    text = _SPACE_BETWEEN_HAN_RE.sub("", text)
    return _LONE_DASH_RE.sub("一", text) if dash_for_yi else text


def ocr_pages(path: str | Path, progress: Callable[[str], None] = lambda message: None) -> list[str]:
    """The text of each page of a scanned PDF, read by Tesseract (Traditional
    Chinese and English); ``progress`` is told as each page starts and when
    all are done.

    Each page is rendered at ``OCR_RESOLUTION`` dpi and its long horizontal
    rules are whitened first (see ``erase_rules``): Tesseract reads an
    underlined heading as noise, and the LegCo submissions underline the
    headings that carry their asks."""
    path = Path(path)
    started = time.monotonic()
    texts = []
    with _open(path) as pdf, tempfile.TemporaryDirectory() as folder:
        check_page_sizes(path, pdf.pages)
        if shutil.which("tesseract") is None:
            raise PdfError(f"{path}: --ocr needs Tesseract with Traditional Chinese (Debian: tesseract-ocr, tesseract-ocr-chi-tra)")
        count = len(pdf.pages)
        progress(f"OCR of {count} page{'s' if count != 1 else ''} with Tesseract ({OCR_LANGUAGES}); about 20 s a page")
        for number, page in enumerate(pdf.pages, start=1):
            progress(f"OCR page {number}/{count} ({time.monotonic() - started:.0f} s)")
            image = Path(folder) / f"page-{number}.png"
            erase_rules(page.to_image(resolution=OCR_RESOLUTION).original).save(image)
            texts.append(_tesseract(image, path))
    progress(f"OCR done in {time.monotonic() - started:.0f} s")
    return [repair(ocr_punctuation(text)) for text in texts]


def check_page_sizes(path: Path, pages, resolution: int = OCR_RESOLUTION) -> None:
    """Refuse, before any is rendered, a page too large to render for OCR:
    over ``MAX_OCR_PIXELS`` at ``resolution`` dpi (or of no size at all)."""
    for number, page in enumerate(pages, start=1):
        width, height = float(page.width), float(page.height)
        pixels_wide, pixels_high = round(width * resolution / 72), round(height * resolution / 72)
        size = f"{width * 25.4 / 72:,.0f} × {height * 25.4 / 72:,.0f} mm ({width:,.0f} × {height:,.0f} pt)"
        if not (width > 0 and height > 0):
            raise PdfError(f"{path}: page {number} has no size ({size}); it cannot be rendered for OCR")
        if pixels_wide * pixels_high > MAX_OCR_PIXELS:
            raise PdfError(
                f"{path}: page {number} is {size}: too large to read with OCR, which renders it at {resolution} dpi "
                f"({pixels_wide:,} × {pixels_high:,} pixels; the most is {MAX_OCR_PIXELS // 1_000_000} million, "
                "about an A2 page): crop or scale the page to paper size first")


def erase_rules(image: Image.Image, resolution: int = OCR_RESOLUTION) -> Image.Image:
    """The page image in grey with every dark horizontal run longer than half
    an inch made white: underlines and table rules, never a character (a
    Han character is a sixth of an inch wide at 12 pt)."""
    grey = numpy.asarray(image.convert("L")).copy()
    width, length = grey.shape[1], resolution // 2
    if width < length:
        return Image.fromarray(grey)
    dark = numpy.pad(grey < 128, ((0, 0), (1, 0)))
    sums = numpy.cumsum(dark, axis=1, dtype=numpy.int32)
    full = (sums[:, length:] - sums[:, :-length]) == length  # runs of `length` dark pixels, by first pixel
    starts = numpy.cumsum(numpy.pad(full, ((0, 0), (length, length - 1))), axis=1, dtype=numpy.int32)
    covered = (starts[:, length : length + width] - starts[:, :width]) > 0  # pixels inside such a run
    grey[covered] = 255
    return Image.fromarray(grey)


def _tesseract(image: Path, pdf_path: Path) -> str:
    command = ["tesseract", str(image), "stdout", "-l", OCR_LANGUAGES, "--psm", OCR_PAGE_SEGMENTATION]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise PdfError(f"{pdf_path}: OCR failed: {result.stderr.strip()[-500:]}")
    return result.stdout


def _open(path: Path) -> pdfplumber.PDF:
    """The PDF opened with pdfplumber, or a PdfError naming the file."""
    if not is_pdf(path):
        raise PdfError(f"{path}: not a PDF (it does not start with %PDF-)")
    try:
        return pdfplumber.open(path)
    except PdfminerException as error:
        cause = error.args[0] if error.args else error
        if isinstance(cause, PDFPasswordIncorrect):
            raise PdfError(f"{path}: the PDF is encrypted (it needs a password); save an unencrypted copy first") from error
        raise PdfError(f"{path}: not a readable PDF ({cause})") from error


def ocr_punctuation(text: str) -> str:
    """Tesseract's ASCII punctuation between Han characters as the full-width
    punctuation Chinese text uses."""
    return _OCR_PUNCT_RE.sub(lambda match: _OCR_PUNCT[match.group(1)], text)
