"""Project cards, progress bars and icons are written in Python: what they show is escaped, and
they say what the templates they replaced said."""

import pytest
from django.template import engines
from django.utils import translation

from charity.models import ProjectStatus

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> & 冬衣'


def render(source, **context):
    return engines["django"].from_string(source).render(context)


def test_what_an_organization_enters_is_shown_as_text_on_every_list(client, site):
    site.organization.name = HOSTILE
    site.organization.save()
    site.add_project(title=HOSTILE, summary=HOSTILE, is_featured=True)
    for url in ("/zh-hans/projects/", "/zh-hans/", site.org_index.url):
        body = client.get(url).content.decode()
        assert "<script>" not in body, url
        # title, image placeholder's initial aside: the title, the summary, the organization and
        # the progress bar's label and accessible name
        assert body.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 冬衣") >= 3, url


def test_a_card_says_what_its_project_is_in_the_page_language(client, site):
    language = "zh-hans"  # the site's pages are in Chinese
    site.add_project(title="冬衣", is_urgent=True, goal_amount=300_000)
    site.add_project(title="午餐", status=ProjectStatus.CLOSED)
    body = client.get(f"/{language}/projects/").content.decode()
    with translation.override(language):
        urgent, closed = str(translation.gettext("Urgent")), str(ProjectStatus.CLOSED.label)
        days = translation.ngettext("%(days)s day left", "%(days)s days left", 30)
    assert f'<span class="badge badge--accent">{urgent}</span>' in body
    assert f'<span class="badge">{closed}</span>' in body
    assert days.split("%")[0] in body  # the fundraising card counts its days, the closed one not
    assert body.count('<progress class="progress__bar" value="0" max="300000"') == 1


@pytest.mark.parametrize(
    ("value", "maximum", "percent"),
    [(0, 100, 0), (1, 3, 33), (2, 3, 67), (1, 8, 12), (3, 8, 38), (150, 100, 150), (5, 0, 0)],
)
def test_a_progress_bar_rounds_as_widthratio_does(value, maximum, percent):
    expected = render("{% widthratio v m 100 %}", v=value, m=maximum)
    assert expected == str(percent)
    bar = render(
        "{% load progress %}{% progress_bar value=v max=m label=label %}",
        v=value,
        m=maximum,
        label="<b>Raised</b>",
    )
    assert f'<span class="progress__percent">{percent}%</span>' in bar
    assert f'value="{value}" max="{maximum}" aria-label="&lt;b&gt;Raised&lt;/b&gt;"' in bar
    assert "progress__caption" not in bar  # no caption given, none shown


def test_an_icon_is_decorative_and_its_class_escaped():
    icon = render('{% load icons %}{% icon name="check" class=extra %}', extra='x" onload="y')
    assert icon.startswith('<svg class="icon x&quot; onload=&quot;y"')
    assert 'aria-hidden="true" focusable="false"><path d="M20 6 9 17l-5-5"/></svg>' in icon
    assert render('{% load icons %}{% icon name="no-such-icon" %}').endswith(
        'focusable="false"></svg>'
    )
