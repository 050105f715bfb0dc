"""Markdown to safe HTML for content pages.

markdown-it renders CommonMark with raw HTML disabled; nh3 then keeps only an
allow-list of tags and attributes and adds our typography classes, so even an
admin-edited body cannot inject script or styles.
"""

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "blockquote",
    "a",
    "br",
    "hr",
    "code",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
CLASSES = {
    "p": {"class": "govuk-body"},
    "h2": {"class": "govuk-heading-m"},
    "h3": {"class": "govuk-heading-s"},
    "h4": {"class": "govuk-heading-s"},
    "ul": {"class": "govuk-list govuk-list--bullet"},
    "ol": {"class": "govuk-list govuk-list--number"},
    "blockquote": {"class": "govuk-inset-text"},
    "a": {"class": "govuk-link"},
    "hr": {"class": "govuk-section-break govuk-section-break--m govuk-section-break--visible"},
}


def render_markdown(text: str) -> str:
    """Render `text` (Markdown) to sanitised HTML."""
    html = _md.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        set_tag_attribute_values=CLASSES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
