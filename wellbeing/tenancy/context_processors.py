from .selectors import organisations_of_user


def tenancy(request):
    """The current organisation and the person's other organisations, for the header."""
    user = getattr(request, "user", None)
    return {
        "organisation": getattr(request, "organisation", None),
        "access": getattr(request, "access", None),
        "my_organisations": (lambda: organisations_of_user(user=user)) if user else list,
    }
