"""What the local test gateway remembers of the objects it pretends Stripe holds (dev and tests only)."""

from django.db import models


class TestGatewayObject(models.Model):
    """A checkout session, payment intent, subscription, invoice or refund of the test gateway,
    shaped like Stripe's object of the same type."""

    __test__ = False  # not a pytest test class, despite its name

    id = models.CharField(primary_key=True, max_length=64)
    type = models.CharField(max_length=40)
    data = models.JSONField()
    idempotency_key = models.CharField(max_length=255, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.type} {self.id}"
