"""The Python sparkline tag draws exactly what the sparkline component does."""

from django.template import Context, Template

from apps.core.charts import build_sparkline


def test_sparkline_tag_matches_the_component():
    for values in ([None] * 14, [5, None, 7, 8, 2, None, None, 10, 1, 3, None, 4, 6, 9], [3]):
        spark = build_sparkline(values, y_min=1, y_max=10, label="Mood, <14> days")
        component = Template('{% include "_components/sparkline.html" with spark=spark %}')
        tag = Template("{% load core_charts %}{% sparkline spark %}")
        context = Context({"spark": spark})
        # The component file ends with a newline; the tag leaves it out.
        assert tag.render(context) == component.render(context).rstrip("\n")
