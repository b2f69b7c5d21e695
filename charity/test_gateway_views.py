"""The local test gateway's payment page (mounted only when STRIPE_TEST_GATEWAY is on)."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .models.test_gateway import TestGatewayObject
from .test_gateway import LocalTestGateway


@require_http_methods(["GET", "POST"])
def checkout(request, session_id):
    try:
        session = TestGatewayObject.objects.get(pk=session_id, type="checkout.session").data
    except TestGatewayObject.DoesNotExist:
        raise Http404 from None
    gateway = LocalTestGateway()
    if request.method == "POST" and session["status"] == "open":
        action = request.POST.get("action")
        if action == "pay":
            gateway.pay(session_id, method=request.POST.get("method", "card"))
            return redirect(session["success_url"])
        if action == "expire":
            gateway.expire(session_id)
            return redirect(session["cancel_url"])
        return redirect(session["cancel_url"])
    return render(
        request,
        "charity/test_gateway_checkout.html",
        {
            "session": session,
            "description": session["_description"],
            "currency": session["currency"].upper(),
        },
    )
