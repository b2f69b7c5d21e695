"""A project's card, as the index, the home page and organization pages list them:

    {% load project_cards %}{% for card in cards %}{% project_card card %}{% endfor %}

card: a cms.selectors.ProjectCard, which makes its sentences. Written in Python rather than as
an include: a listing shows a dozen cards, and through the template engine they took a quarter
of the project index's time (bench/pages.py; the card's forty-odd nodes cost more than all the
queries of the page).
"""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from charity.models import ProjectStatus
from charity.templatetags.progress import progress_bar
from charity.templatetags.text_language import in_own_language
from config.html import escaped

register = template.Library()


@register.simple_tag
def project_card(card):
    project, totals, image = card.project, card.totals, card.image
    fundraising = project.status == ProjectStatus.FUNDRAISING
    if image:
        picture = (
            f'<img class="card__image" src="{escaped(image.url)}" width="{escaped(image.width)}" '
            f'height="{escaped(image.height)}" alt="{escaped(card.image_alt)}" loading="lazy">'
        )
    else:
        picture = (
            '<div class="card__image card__image--placeholder" aria-hidden="true">'
            f"{escaped(card.title[:1])}</div>"
        )
    badges = []
    if project.is_urgent and fundraising:
        badges.append(("badge badge--accent", gettext("Urgent")))
    if not fundraising:
        badges.append(("badge", card.status_label))
    badges.extend(("badge", group) for group in card.groups)
    badges = "".join(f'<span class="{kind}">{escaped(label)}</span>' for kind, label in badges)
    meta = escaped(card.donors_label)
    if fundraising:
        meta = f"{meta} · {escaped(card.days_left_label)}"
    progress = progress_bar(
        value=totals.raised,
        max=totals.goal,
        label=card.progress_label,
        caption=card.progress_caption,
    )
    return mark_safe(  # noqa: S308  # nosec B308, B703: every value is escaped
        '<article class="card project-card">\n'
        f"  {picture}\n"
        '  <div class="card__body">\n'
        f'    <p class="card__badges">{badges}</p>\n'
        f'    <h3 class="card__title"><a href="{escaped(card.url)}">{escaped(card.title)}</a></h3>\n'
        f'    <p class="card__meta">{in_own_language(card.organization_name)} · '
        f"{in_own_language(project.region_full_name)}</p>\n"
        f'    <p class="card__text">{escaped(card.excerpt)}</p>\n'
        f"    {progress}\n"
        f'    <p class="card__meta">{meta}</p>\n'
        "  </div>\n"
        "</article>\n"
    )
