from allauth.core import context
from django import forms
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.models import SCHOOL_ROLES, Role
from wellbeing.tenancy.selectors import schools_in_organisation

from .invitation_session import invitation_in_session


class SignupDetailsForm(forms.Form):
    """Extra fields on allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS): the person's name,
    so the members page and board reports can say who someone is."""

    full_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    def clean(self):
        """Signing up through an invitation: the address must be the invited one.

        The link proved that address (it is marked verified without a confirmation email);
        any other address would skip verification and leave the role unclaimed.
        """
        cleaned = super().clean()
        email = cleaned.get("email")
        invitation = invitation_in_session(context.request) if context.request else None
        if email and invitation is not None and invitation.email.lower() != email.lower():
            self.add_error(
                "email",
                _("Your invitation was sent to %(email)s. Sign up with that address.")
                % {"email": invitation.email},
            )
        return cleaned

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("Choose a role")), *Role.choices])
    school = forms.ModelChoiceField(
        label=_("School"),
        queryset=None,
        required=False,
        empty_label=_("Whole organisation"),
        help_text=_("Needed for school wellbeing leads and governors only."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Evaluated inside the request's organisation scope: another organisation's school is
        # not a valid choice.
        self.fields["school"].queryset = schools_in_organisation()

    def clean(self):
        cleaned = super().clean()
        role, school = cleaned.get("role"), cleaned.get("school")
        if role in SCHOOL_ROLES and school is None:
            self.add_error("school", _("Choose the school for this role."))
        elif role and role not in SCHOOL_ROLES and school is not None:
            self.add_error("school", _("This role covers the whole organisation: leave the school empty."))
        return cleaned
