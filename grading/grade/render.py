"""HTML rendering of feedback notebooks for the batch grader: a long-lived helper so nbconvert is
imported once per grading run, not once per student.

The page is for students and instructors to open anywhere (a browser, an LMS): it is
self-contained (no CDN script: feedback-template/ drops require.js, MathJax and widgets; maths
stays as TeX text) and nothing a student wrote can run or load anything (safe_body()).

Protocol: one JSON object per line on stdin, {"in": notebook.ipynb, "out": page.html}; answers one
JSON line per request on stdout, {"ok": true} or {"ok": false, "error": "..."}. Ends at EOF.
"""
import base64
import json
import os
import re
import sys

import bleach
import nbformat
import tinycss2
from bleach.css_sanitizer import ALLOWED_CSS_PROPERTIES, CSSSanitizer
from nbconvert import HTMLExporter

HERE = os.path.dirname(os.path.abspath(__file__))

# Formatting, tables, images, links: what Markdown, nbconvert's layout, the grader's marks and
# ordinary outputs use. Anything else (script, style, iframe, object, embed, svg, form...) is escaped.
TAGS = [
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "ins", "kbd", "li", "main", "mark", "ol", "p", "pre", "q", "s", "samp", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul", "var",
]
IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*\Z", re.I)
LINK = re.compile(r"(https?:|mailto:|#)", re.I)


def _attribute(tag, name, value):
    if name in ("class", "id", "title", "style", "align", "lang", "dir", "data-mime-type", "data-type"):
        return True
    if tag in ("td", "th") and name in ("colspan", "rowspan"):
        return True
    if tag == "img":  # only inline pictures: an http(s) or relative src would be a request
        return name in ("alt", "width", "height") or (name == "src" and IMAGE_DATA.match(value) is not None)
    if tag == "a":  # links are not loaded until followed; javascript:/data: ones are dropped
        return name == "href" and LINK.match(value.strip()) is not None
    return False


class NoUrlCSS(CSSSanitizer):
    """bleach's property allow-list, minus any declaration that could fetch (url(), image-set...)."""

    def sanitize_css(self, style):
        kept = []
        for decl in tinycss2.parse_declaration_list(style, skip_comments=True, skip_whitespace=True):
            if decl.type != "declaration":
                continue
            value = tinycss2.serialize(decl.value)
            if "\\" in value or re.search(r"url|image|src\s*\(", value, re.I):
                continue
            kept.append(tinycss2.serialize([decl]))
        return super().sanitize_css("; ".join(kept))


# One allow-list pass over the whole rendered body, not nbconvert's sanitize_html (6.5.3's lab
# template ignores it): it covers every path student text takes (Markdown, every output, names).
BOXES = {f"{p}{s}" for p in ("border", "margin", "padding") for s in ("", "-top", "-right", "-bottom", "-left")}
CLEANER = bleach.Cleaner(
    tags=TAGS,
    attributes=_attribute,
    protocols=["http", "https", "mailto", "data"],
    css_sanitizer=NoUrlCSS(ALLOWED_CSS_PROPERTIES | BOXES | {"background", "border-radius", "max-width", "min-width"}),
    strip=False,
    strip_comments=True,
)


def safe_body(page):
    """The page with everything between <body ...> and the last </body> through CLEANER."""
    start = re.search(r"<body[^>]*>", page)
    end = page.rfind("</body>")
    if start is None or end < start.end():
        raise ValueError("rendered page has no <body>")
    return page[: start.end()] + CLEANER.clean(page[start.end() : end]) + page[end:]


def inert_outputs(nb):
    """Outputs a sanitiser would only mangle, made inert first: JavaScript and widget views are
    dropped (the plain-text fallback shows), an SVG becomes an <img> of itself (an image runs no
    script and loads nothing)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data is None:
                continue
            for mime in ("application/javascript", "application/vnd.jupyter.widget-view+json"):
                data.pop(mime, None)
            svg = data.pop("image/svg+xml", None)
            if svg is not None and "text/html" not in data:
                svg = "".join(svg) if isinstance(svg, list) else svg
                b64 = base64.b64encode(svg.encode("utf-8")).decode("ascii")
                data["text/html"] = f'<img alt="SVG" src="data:image/svg+xml;base64,{b64}">'
    return nb


def main():
    exporter = HTMLExporter(
        template_name="lab",
        extra_template_paths=[os.path.join(HERE, "feedback-template")],
        template_file="feedback.html.j2",
    )
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            nb = inert_outputs(nbformat.read(req["in"], as_version=4))
            name = os.path.splitext(os.path.basename(req["out"]))[0]  # the template escapes it
            body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
            with open(req["out"], "w", encoding="utf-8") as f:
                f.write(safe_body(body))
            answer = {"ok": True}
        except Exception as e:  # noqa: BLE001 - every failure is reported to the caller
            answer = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
