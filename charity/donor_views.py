"""Donors' own pages: a gift by its private link, its thanks page and printable receipt, and
"My donations" for signed-in donors.

The private link (the gift's guest_token) is the only key a guest has: whoever holds it may see
the gift and stop its monthly giving, so these pages are never indexed or cached publicly.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import selectors_donors, services
from .exceptions import CharityError
from .models import Donation, RecurringGift

MY_DONATIONS_PER_PAGE = 20


def _gift_or_404(token: str) -> selectors_donors.DonorGift:
    try:
        return selectors_donors.donation_by_token(
            token=token, language_code=translation.get_language()
        )
    except Donation.DoesNotExist:
        raise Http404(_("No gift has this link.")) from None


def _error_text(error: CharityError) -> str:
    return " ".join(error.messages)


@never_cache
def donation_detail(request, token):
    return render(request, "charity/donation_detail.html", {"gift": _gift_or_404(token)})


@never_cache
def donation_thanks(request, token):
    """Stripe's success_url. It only reads: the webhook decides whether the payment went through."""
    return render(request, "charity/donation_thanks.html", {"gift": _gift_or_404(token)})


@never_cache
def donation_receipt(request, token):
    gift = _gift_or_404(token)
    if not gift.donation.receipt_number:
        raise Http404(_("This gift has no receipt yet."))
    return render(request, "charity/donation_receipt.html", {"gift": gift})


@require_POST
def donation_stop_monthly(request, token):
    """Stop the monthly gift this gift belongs to; holding its private link is the proof."""
    donation = get_object_or_404(
        Donation.objects.select_related("recurring_gift"), guest_token=token
    )
    if donation.recurring_gift is None:
        raise Http404(_("This gift is not part of a monthly gift."))
    actor = request.user if request.user.is_authenticated else None
    try:
        services.recurring_gift_cancel(actor=actor, gift=donation.recurring_gift, guest_token=token)
    except CharityError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("Your monthly gift is being stopped. No further payments will be taken.")
        )
    return redirect("charity:donation_detail", token=token)


@login_required
@never_cache
def my_donations(request):
    user = request.user
    page = Paginator(
        selectors_donors.donations_for_user(user=user), MY_DONATIONS_PER_PAGE
    ).get_page(request.GET.get("page"))
    project_pages = selectors_donors.project_pages_by_project(
        project_ids=[donation.project_id for donation in page],
        language_code=translation.get_language(),
    )
    rows = [
        selectors_donors.DonorGift(
            donation=donation, project_page=project_pages.get(donation.project_id)
        )
        for donation in page
    ]
    return render(
        request,
        "charity/my_donations.html",
        {
            "page_obj": page,
            "rows": rows,
            "summary": selectors_donors.giving_summary_for_user(user=user),
            "monthly_gifts": selectors_donors.recurring_gifts_for_user(user=user),
        },
    )


@login_required
@require_POST
def my_monthly_gift_stop(request, gift_id):
    # Only gifts made while signed in: anyone else's id, or a guest's gift, is simply not found.
    gift = get_object_or_404(RecurringGift, pk=gift_id, donor=request.user)
    try:
        services.recurring_gift_cancel(actor=request.user, gift=gift)
    except CharityError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("Your monthly gift is being stopped. No further payments will be taken.")
        )
    return redirect("charity:my_donations")
