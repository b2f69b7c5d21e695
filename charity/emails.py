"""Emails in the recipient's language and the platform's time zone, as text and HTML."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation


def email_send(*, template: str, context: dict, to: str, language: str) -> None:
    """Render `<template>_subject.txt`, `_body.txt` and `_body.html` and send them to `to`.

    Dates read as on the site: in the platform's zone, not the worker's UTC. `context` may hold
    callables (taking no argument) whose value needs the recipient's language, e.g. URLs.
    """
    with translation.override(language), timezone.override(settings.DEFAULT_USER_TIME_ZONE):
        values = {key: value() if callable(value) else value for key, value in context.items()}
        subject = render_to_string(f"{template}_subject.txt", values).strip()
        message = EmailMultiAlternatives(
            subject=subject, body=render_to_string(f"{template}_body.txt", values), to=[to]
        )
        message.attach_alternative(render_to_string(f"{template}_body.html", values), "text/html")
    message.send()
