"""Lessons written in Markdown: rendered with markdown-it-py, then cleaned by nh3.

The instructor's Markdown is rendered as CommonMark with tables and strikethrough (raw HTML
in it is kept as text, not markup), and the HTML is then passed through nh3's allow-list:
headings, paragraphs, lists, emphasis, code, quotes, tables, links and images only, links
marked ``rel="noopener noreferrer nofollow"``, and only http(s), mailto and same-site
addresses. No script, style, event handler or ``javascript:`` address survives either step.
"""
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

MAX_BODY = 100_000

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"])

_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
         "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"},
               "th": {"style"}, "td": {"style"}, "code": {"class"}}


def render_markdown(body: str) -> Markup:
    """The lesson as safe HTML (headings start at h3: the page has its own h1 and h2)."""
    html = _MARKDOWN.render(body or "")
    for level in range(6, 0, -1):  # a lesson's "# Title" sits under the page's and module's headings
        shifted = min(level + 2, 6)
        html = html.replace(f"<h{level}>", f"<h{shifted}>").replace(f"</h{level}>", f"</h{shifted}>")
    cleaned = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                        link_rel="noopener noreferrer nofollow", filter_style_properties={"text-align"})
    return Markup(cleaned)
