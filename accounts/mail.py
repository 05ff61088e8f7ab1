"""E-mails the accounts app sends itself (allauth sends the password-reset ones)."""

from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def portal_url(path: str) -> str:
    """An absolute link for an e-mail: PORTAL_BASE_URL, never the request's Host header
    (a client sets that, and could make a reset link point at its own server)."""
    return urljoin(settings.PORTAL_BASE_URL, path)


def mail_send(*, template: str, to: str, context: dict) -> None:
    """Send `<template>_subject.txt`, `_message.txt` and `_message.html` to one address."""
    context = {"SERVICE_NAME": settings.SERVICE_NAME, **context}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    text = render_to_string(f"{template}_message.txt", context)
    html = render_to_string(f"{template}_message.html", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(html, "text/html")
    message.send()
