"""Rendering: callouts, anchors, footnotes, tables, reading time, and output that is inert."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.content import Heading, render
from course.content.render import ATTRIBUTES, CLASSES, TAGS, slug

# Features


def test_callouts_render_as_asides_with_titles():
    html = render("::: vignette Kaesong, August 1951\nA story.\n:::\n").html
    assert html == (
        '<aside class="callout callout-vignette" role="note">'
        '<p class="callout-title">Vignette: Kaesong, August 1951</p>\n<p>A story.</p>\n</aside>\n'
    )


@pytest.mark.parametrize(
    ("kind", "title"),
    [("key-point", "Key point"), ("caution", "Caution"), ("vignette", "Vignette")],
)
def test_callout_without_title(kind, title):
    html = render(f"::: {kind}\nText *here*.\n:::\n").html
    assert html.startswith(
        f'<aside class="callout callout-{kind}" role="note"><p class="callout-title">{title}</p>'
    )
    assert "<em>here</em>" in html


def test_unknown_callout_stays_text():
    assert render("::: warning\nText.\n:::\n").html == "<p>::: warning\nText.\n:::</p>\n"


def test_headings_get_stable_unique_anchors_and_a_toc():
    rendered = render("Intro.\n\n## Key terms\n\n### The `ROE` card\n\n## Key terms\n\n#### Deep\n")
    assert '<h2 id="key-terms">Key terms</h2>' in rendered.html
    assert '<h3 id="the-roe-card">The <code>ROE</code> card</h3>' in rendered.html
    assert '<h2 id="key-terms-1">Key terms</h2>' in rendered.html
    assert "<h4>Deep</h4>" in rendered.html
    assert rendered.toc == (
        Heading(2, "key-terms", "Key terms"),
        Heading(3, "the-roe-card", "The ROE card"),
        Heading(2, "key-terms-1", "Key terms"),
    )
    assert render("## Key terms").toc == render("Other text.\n\n## Key terms").toc


def test_slug():
    assert slug("Why peace talks attract attacks?") == "why-peace-talks-attract-attacks"
    assert slug("Korea, 1951–53") == "korea-1951-53"
    assert slug("!!!") == "section"


def test_tables_footnotes_and_strikethrough():
    html = render("| a | b |\n|:--|--:|\n| 1 | 2 |\n\nText[^1] ~~old~~.\n\n[^1]: Source.\n").html
    assert '<th style="text-align:left">a</th>' in html
    assert '<td style="text-align:right">2</td>' in html
    assert (
        '<sup class="footnote-ref">'
        '<a href="#fn1" id="fnref1" rel="noopener noreferrer">[1]</a></sup>' in html
    )
    assert '<li id="fn1" class="footnote-item"><p>Source.' in html
    assert "<s>old</s>" in html


def test_links_get_rel_and_keep_safe_urls():
    html = render(
        "[a](https://example.org) [b](/modules/x#y) [c](mailto:a@example.org) [d](ftp://x)"
    ).html
    assert '<a href="https://example.org" rel="noopener noreferrer">a</a>' in html
    assert '<a href="/modules/x#y" rel="noopener noreferrer">b</a>' in html
    assert '<a href="mailto:a@example.org" rel="noopener noreferrer">c</a>' in html
    assert '<a rel="noopener noreferrer">d</a>' in html


def test_words_and_minutes():
    assert (render("").words, render("").minutes) == (0, 0)
    assert (render("one two three").words, render("one two three").minutes) == (3, 1)
    text = "## Heading\n\n" + "word " * 399
    assert (render(text).words, render(text).minutes) == (400, 2)
    assert render("word " * 401).minutes == 3


def test_code_block_loses_its_class_but_keeps_its_text():
    html = render("```python\nprint('<b>')\n```\n").html
    assert html == "<pre><code>print('&lt;b&gt;')\n</code></pre>\n"


# XSS: whatever the author writes, the output is inert


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


SAFE_SCHEMES = ("", "http", "https", "mailto")  # "" is a relative URL or a #fragment


def assert_inert(html: str) -> None:
    """Every tag and attribute is one the renderer makes, and no URL can run code."""
    collector = _Collector()
    collector.feed(html)
    for tag, attrs in collector.tags:
        assert tag in TAGS, html
        for name, value in attrs:
            allowed = ATTRIBUTES.get(tag, set()) | {"rel"}
            allowed |= {"class"} if tag in CLASSES else set()
            allowed |= {"role"} if tag == "aside" else set()
            assert name in allowed, (tag, name, html)
            assert not name.startswith("on"), html
            if name in ("href", "src"):
                assert urlsplit((value or "").strip()).scheme in SAFE_SCHEMES, html
            if name == "style":
                assert value in ("text-align:left", "text-align:right", "text-align:center"), html
    lowered = html.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<style" not in lowered
    assert "javascript:" not in _attribute_values(collector)
    assert "data:" not in _attribute_values(collector)


def _attribute_values(collector: _Collector) -> str:
    return " ".join((value or "").lower() for _, attrs in collector.tags for _, value in attrs)


ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<div onclick=alert(1)>click</div>",
    "<a href=javascript:alert(1)>x</a>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](java&#115;cript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](jav\tascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "<javascript:alert(1)>",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "[x][ref]\n\n[ref]: data:text/html,<script>alert(1)</script>",
    '[x](https://example.org "t\\" onmouseover=\\"alert(1)")',
    '![a](x.png "\\" onerror=\\"alert(1)")',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "`<script>alert(1)</script>`",
    "::: vignette <img src=x onerror=alert(1)>\nText.\n:::",
    '::: vignette " onclick="alert(1)\nText.\n:::',
    "::: caution </p><script>alert(1)</script>\nText.\n:::",
    "## <img src=x onerror=alert(1)> heading",
    '## heading {onclick="alert(1)"}',
    "Text[^1]\n\n[^1]: <script>alert(1)</script> [x](javascript:alert(1))",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_is_inert(attack):
    html = render(attack).html
    assert_inert(html)


def test_raw_html_shows_as_text():
    html = render("<script>alert(1)</script>").html
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"


def test_javascript_links_do_not_become_links():
    for attack in ("[x](javascript:alert(1))", "[x][r]\n\n[r]: javascript:alert(1)"):
        assert "<a" not in render(attack).html


def test_data_image_loses_its_source():
    assert render("![x](data:image/png;base64,iVBORw0KGgo=)").html == '<p><img alt="x"></p>\n'


def test_callout_title_is_escaped_text():
    html = render('::: vignette <b onclick="x()">Bold</b>\nText.\n:::').html
    assert '<p class="callout-title">Vignette: &lt;b onclick="x()"&gt;Bold&lt;/b&gt;</p>' in html


FRAGMENTS = st.sampled_from(
    ATTACKS
    + ["\n\n", "\n", "::: vignette ", ":::\n", "## ", "[", "](", ")", "<", ">", '"', "'", "&#", ";"]
    + ["javascript:", "data:", "onerror=", "<a href=", "`", "*", "[^1]", "[^1]: ", "| a |\n|---|\n"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS | st.text(max_size=8), max_size=12).map("".join))
def test_any_mix_of_attacks_is_inert(markdown):
    assert_inert(render(markdown).html)
