"""`{% sparkline spark %}`: the markup of `_components/sparkline.html`, built in
Python. Tables draw one per row (the caseload: 25 a page), where the template's
loop over every value costs more than the rest of the row."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def sparkline(spark: dict) -> str:
    """The same HTML as ``{% include "_components/sparkline.html" with spark=spark %}``."""
    no_answer = _("no answer")
    values = ", ".join(no_answer if v is None else str(v) for v in spark["values"])
    last = ""
    if spark["last_x"]:
        last = format_html(
            '<circle class="app-sparkline__last" cx="{}" cy="{}" r="2.5"/>',
            spark["last_x"],
            spark["last_y"],
        )
    value = ""
    if spark["last_value"] is not None:
        value = format_html(
            '<span class="app-sparkline__value" aria-hidden="true">{}</span>', spark["last_value"]
        )
    return format_html(
        '<span class="app-sparkline"><svg class="app-sparkline__svg" '
        'xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        'role="img" aria-label="{label}: {values}" focusable="false">'
        '<path class="app-sparkline__line" d="{d}"/>{last}</svg>{value}</span>',
        w=spark["width"],
        h=spark["height"],
        label=spark["label"],
        values=values,
        d=spark["path_d"],
        last=last,
        value=value,
    )
