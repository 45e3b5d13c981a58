"""Reactions to allauth: a person who signs up or signs in with an invitation gets the role."""

from allauth.account.signals import user_logged_in, user_signed_up
from django.dispatch import receiver

from .invitation_session import accept_from_session


@receiver(user_signed_up, dispatch_uid="accounts_accept_invitation_on_signup")
@receiver(user_logged_in, dispatch_uid="accounts_accept_invitation_on_login")
def accept_invitation_in_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        accept_from_session(request, user)
