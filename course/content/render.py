"""Render course Markdown to safe HTML, with a table of contents and a reading time."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

WORDS_PER_MINUTE = 200
CALLOUTS = {"key-point": "Key point", "vignette": "Vignette", "caution": "Caution"}
HEADINGS = {f"h{level}" for level in range(1, 7)}

# The sanitiser allows exactly what the renderer below produces, and nothing else.
TAGS = HEADINGS | {
    "p", "br", "hr", "strong", "em", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "sup", "section", "aside",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {
    **{tag: {"id"} for tag in HEADINGS},
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title"},
    "li": {"id"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
CLASSES = {
    "aside": {"callout", *(f"callout-{kind}" for kind in CALLOUTS)},
    "p": {"callout-title"},
    "hr": {"footnotes-sep"},
    "section": {"footnotes"},
    "ol": {"footnotes-list"},
    "li": {"footnote-item"},
    "sup": {"footnote-ref"},
    "a": {"footnote-backref"},
}
WORD = re.compile(r"\w[\w'’-]*")


@dataclass(frozen=True)
class Heading:
    """One entry of a table of contents."""

    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Rendered:
    """Safe HTML of a Markdown text, its table of contents and its length."""

    html: str
    toc: tuple[Heading, ...]
    words: int
    minutes: int


def slug(text: str) -> str:
    """Make a stable anchor id from heading text."""
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-_") or "section"


def _render_callout(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    if token.nesting == -1:
        return "</aside>\n"
    kind, _, title = token.info.strip().partition(" ")
    label = f"{CALLOUTS[kind]}: {title.strip()}" if title.strip() else CALLOUTS[kind]
    return (
        f'<aside class="callout callout-{kind}" role="note">'
        f'<p class="callout-title">{escapeHtml(label)}</p>\n'
    )


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.use(footnote_plugin).use(anchors_plugin, min_level=2, max_level=3, slug_func=slug)
    for kind in CALLOUTS:
        md.use(container_plugin, kind, render=_render_callout)
    return md


_MARKDOWN = _markdown()


def parse_markdown(markdown: str) -> list[Token]:
    """Parse Markdown into markdown-it tokens (each block token's `map` gives its lines)."""
    return _MARKDOWN.parse(markdown, {})


def render(markdown: str) -> Rendered:
    """Render Markdown to sanitised HTML with a table of contents, word count and minutes."""
    env: dict = {}
    tokens = _MARKDOWN.parse(markdown, env)
    html = sanitize(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env))
    words = _count_words(tokens)
    return Rendered(html, _toc(tokens), words, math.ceil(words / WORDS_PER_MINUTE))


def sanitize(html: str) -> str:
    """Keep only the tags, attributes, classes and URL schemes the renderer produces."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        allowed_classes=CLASSES,
        tag_attribute_values={"aside": {"role": {"note"}}},
        url_schemes={"http", "https", "mailto"},
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    )


def _toc(tokens: list[Token]) -> tuple[Heading, ...]:
    return tuple(
        Heading(int(token.tag[1]), str(token.attrGet("id")), _plain(tokens[index + 1]))
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag in ("h2", "h3")
    )


def _plain(inline: Token) -> str:
    return "".join(
        child.content for child in inline.children or () if child.type in ("text", "code_inline")
    )


def _count_words(tokens: list[Token]) -> int:
    return sum(len(WORD.findall(_plain(token))) for token in tokens if token.type == "inline")
