
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pledges.accounts.models import User


def send_invitation(user: User, base_url: str) -> None:
    """Invite a new user: a password-reset link that lets them choose a first password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = base_url.rstrip("/") + reverse("password_reset_confirm", args=[uid, token])
    with translation.override("nl"):
        body = render_to_string("emails/invitation.txt", {"user": user, "link": link})
        subject = render_to_string("emails/invitation_subject.txt", {"user": user}).strip()
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
