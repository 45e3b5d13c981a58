"""What a submission stored, row by row, for the tests that check it (no product code calls this).

It lives in the aggregation package, the one reader of raw answers, so that there is still only
one: product code reads results only through result cells (surveys.results); the submission tests
alone need the stored rows themselves, to show what was written and that nothing was lost or
doubled. `test_anonymity.test_only_the_aggregation_reads_answers` holds every other module to
that rule, so a new reader of raw answers fails the suite instead of slipping in."""

from __future__ import annotations

from ..models import Answer, Comment, Response


def stored_rows() -> tuple[int, int, int]:
    """(responses, answers, comments) visible in the current organisation scope."""
    return (Response.objects.count(), Answer.objects.count(), Comment.objects.count())


def the_response() -> Response:
    """The one response stored in the current organisation scope."""
    return Response.objects.get()


def answers(**filters):
    return Answer.objects.filter(**filters)


def comments(**filters):
    return Comment.objects.filter(**filters)
