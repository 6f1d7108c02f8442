"""The one place that renders PDFs (WeasyPrint).

Facts that shaped it (shared/PDF.md): IPAex fonts with HarfBuzz subsetting are fast and
small; a missing Japanese font fails silently, so we look the font files up before the
first render and refuse to render without them; WeasyPrint is not thread-safe, so one
FontConfiguration is reused per process and the server runs process workers.
"""

import atexit
import functools
import hashlib
import subprocess
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

PDF_CSS = Path(settings.BASE_DIR) / "templates" / "pdf" / "pdf.css"
FONT_FAMILIES = {"PortalMincho": "IPAexMincho", "PortalGothic": "IPAexGothic"}


class JapaneseFontMissing(RuntimeError):
    """No Japanese font file could be found: PDFs would print empty boxes."""


def _fc_match(family):
    try:
        out = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["fc-match", "--format=%{family}\n%{file}", f"{family}:lang=ja"],  # noqa: S607
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.splitlines()
    if len(lines) < 2 or family.lower() not in lines[0].lower():
        return None  # fontconfig fell back to another face: the font is not installed
    path = Path(lines[1])
    return path if path.is_file() else None


@functools.cache
def font_files():
    """{css family: font file}; raises JapaneseFontMissing with the command that fixes it."""
    found = {css: _fc_match(fc) for css, fc in FONT_FAMILIES.items()}
    missing = [FONT_FAMILIES[css] for css, path in found.items() if path is None]
    if missing:
        raise JapaneseFontMissing(
            "日本語フォント（" + "、".join(missing) + "）が見つかりません。"
            "PDFを作成できません: sudo apt-get install fonts-ipaexfont-mincho fonts-ipaexfont-gothic"
        )
    return found


@functools.cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@atexit.register
def _release_fonts():
    # Drop the cached FontConfiguration while its libraries are still loaded: left to
    # interpreter shutdown, its __del__ runs after they are gone and prints a traceback.
    _stylesheet.cache_clear()
    _font_config.cache_clear()


@functools.cache
def _stylesheet():
    from weasyprint import CSS

    faces = "".join(
        f'@font-face {{ font-family: "{css}"; src: url("{path.as_uri()}"); }}\n' for css, path in font_files().items()
    )
    return CSS(string=faces + PDF_CSS.read_text(encoding="utf-8"), font_config=_font_config())


@functools.cache
def _cmap():
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(font_files()["PortalMincho"]), lazy=True).getBestCmap())


def unprintable(text):
    """Characters the embedded font cannot draw (e.g. 𠮷), to tell the person before printing."""
    cmap = _cmap()
    return sorted({ch for ch in text or "" if not ch.isspace() and ord(ch) not in cmap})


def _url_fetcher(url, *args, **kwargs):
    # Only our own font files may be loaded: user text can never make the renderer fetch anything.
    from weasyprint.urls import default_url_fetcher

    allowed = {path.as_uri() for path in font_files().values()}
    if url in allowed or url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"blocked fetch: {url[:80]}")


def html_to_pdf(html):
    """PDF bytes (A4, fonts embedded) of HTML rendered from one of our PDF templates."""
    from weasyprint import HTML

    stylesheet = _stylesheet()  # raises JapaneseFontMissing first
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_url_fetcher)
    return document.write_pdf(stylesheets=[stylesheet], font_config=_font_config())


def render_pdf(template_name, context):
    """Render a Django template (under templates/<app>/pdf/) to PDF bytes (A4, fonts embedded)."""
    return html_to_pdf(render_to_string(template_name, context))


CACHED_PDF_SECONDS = 7 * 24 * 3600


def render_pdf_cached(template_name, context):
    """render_pdf for a document that is the same for everyone who asks (a blank form).

    Rendering the HTML costs milliseconds, WeasyPrint half a second: the PDF is kept in the
    cache (settings.CACHES) under a hash of its HTML and stylesheet, so each text version is
    rendered once per cache and anonymous requests cannot make the server render in a loop.
    A new policy text, template or stylesheet is new HTML, hence a new key.
    """
    html = render_to_string(template_name, context)
    digest = hashlib.sha256(html.encode() + PDF_CSS.read_bytes()).hexdigest()
    key = f"pdf:{digest}"
    content = cache.get(key)
    if content is None:
        content = html_to_pdf(html)
        cache.set(key, content, CACHED_PDF_SECONDS)
    return content


def pdf_response(content, filename, *, inline=True):
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


def pdf_view(request, make, filename, *, inline=True):
    """What a PDF view returns: `make()`'s PDF, or a page that explains why there is none.

    Without a Japanese font WeasyPrint would print empty boxes; render_pdf refuses, and the
    person sees what to tell the administrator (503) instead of a 500.
    """
    try:
        content = make()
    except JapaneseFontMissing as error:
        return render(request, "pdf_unavailable.html", {"error": str(error)}, status=503)
    return pdf_response(content, filename, inline=inline)
