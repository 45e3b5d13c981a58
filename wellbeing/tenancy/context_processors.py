from .selectors import organisations_of_user_remembered


def tenancy(request):
    """The current organisation and the person's other organisations, for the header."""
    user = getattr(request, "user", None)
    return {
        "organisation": getattr(request, "organisation", None),
        "access": getattr(request, "access", None),
        "my_organisations": (lambda: organisations_of_user_remembered(request)) if user else list,
    }
