"""Reads for the charter's pages, exports and API. Everything goes through the scoped managers
(this organisation only); linked survey items' values come from `measures` only."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from surveys.models import Instrument, Item
from wellbeing.tenancy.areas import WellbeingArea
from wellbeing.tenancy.models import Role, School, StaffMember

from . import measures
from .models import (
    Acknowledgement,
    Charter,
    CharterVersion,
    Commitment,
    CommitmentComment,
    CommitmentItem,
    Rating,
    Review,
    ReviewPeriod,
)
from .permissions import OverviewScope


# --- The charter -------------------------------------------------------------------------------
def charter_of_organisation() -> Charter | None:
    return Charter.objects.first()


def published_version(*, charter: Charter | None) -> CharterVersion | None:
    """The version staff see: the latest published one."""
    if charter is None:
        return None
    return (
        CharterVersion.objects.filter(charter=charter, status=CharterVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )


def draft_version(*, charter: Charter | None) -> CharterVersion | None:
    if charter is None:
        return None
    return CharterVersion.objects.filter(charter=charter, status=CharterVersion.Status.DRAFT).first()


def versions_of(*, charter: Charter) -> QuerySet[CharterVersion]:
    return CharterVersion.objects.filter(charter=charter).annotate(
        commitment_count=Count("commitments", distinct=True),
        acknowledgement_count=Count("acknowledgements", distinct=True),
    ).order_by("-number")


def commitments_of(*, version: CharterVersion) -> list[Commitment]:
    return list(
        Commitment.objects.filter(version=version)
        .prefetch_related(
            Prefetch("item_links", queryset=CommitmentItem.objects.select_related("item").order_by("item__number"))
        )
        .order_by("order", "id")
    )


@dataclass
class CommitmentGroup:
    heading: str
    commitments: list = field(default_factory=list)


PLEDGE_ORDER = (Commitment.PledgedBy.ORGANISATION, Commitment.PledgedBy.SCHOOL_LEADERS, Commitment.PledgedBy.EVERYONE)
PLEDGE_HEADINGS = {
    Commitment.PledgedBy.ORGANISATION: lambda: _("What the employer commits to"),
    Commitment.PledgedBy.SCHOOL_LEADERS: lambda: _("What school leaders commit to"),
    Commitment.PledgedBy.EVERYONE: lambda: _("What we all commit to"),
}


def commitment_groups(commitments: list) -> list[CommitmentGroup]:
    """Commitments as the charter presents them: by who makes them (a pledge), else by area.
    Works for commitments or for rows that carry one (`row.commitment`)."""

    def commitment(entry):
        return getattr(entry, "commitment", entry)

    if any(commitment(entry).pledged_by for entry in commitments):
        groups = {pledge: CommitmentGroup(str(PLEDGE_HEADINGS[pledge]())) for pledge in PLEDGE_ORDER}
        for entry in commitments:
            groups[commitment(entry).pledged_by].commitments.append(entry)
    else:
        groups = {area: CommitmentGroup(str(area.label)) for area in WellbeingArea}
        for entry in commitments:
            groups[commitment(entry).area].commitments.append(entry)
    return [group for group in groups.values() if group.commitments]


def acknowledgement_of(*, version: CharterVersion, user) -> Acknowledgement | None:
    return Acknowledgement.objects.filter(version=version, user=user).first()


def items_to_link() -> QuerySet[Item]:
    """Items of the newest published version of each survey the organisation can use."""
    newest = {}
    for instrument in Instrument.objects.filter(status=Instrument.Status.PUBLISHED).order_by("code", "-version"):
        newest.setdefault((instrument.organisation_id, instrument.code), instrument.pk)
    return (
        Item.objects.filter(instrument_id__in=newest.values())
        .select_related("instrument", "domain")
        .order_by("instrument__code", "order", "number")
    )


# --- Measures ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LinkedMeasure:
    item: Item
    text: str
    value: measures.MeasureValue


def linked_measures(*, commitment: Commitment, school: School | None, language: str) -> list[LinkedMeasure]:
    """The commitment's survey items, each with its released value for the scope."""
    return [
        LinkedMeasure(
            item=link.item,
            text=link.item.text_in(language),
            value=measures.released_item_value(item=link.item, school=school),
        )
        for link in commitment.item_links.all()
    ]


# --- Whose school ------------------------------------------------------------------------------
def school_of_person(*, access, user) -> School | None:
    """The school a person belongs to: their school role's, else their place on the roster."""
    school_ids = access.schools_for(Role.SCHOOL_LEAD, Role.GOVERNOR)
    if school_ids:
        return School.objects.filter(pk__in=school_ids).order_by("name").first()
    staff = (
        StaffMember.objects.filter(email__iexact=user.email, is_active=True).select_related("school").first()
    )
    return staff.school if staff else None


# --- Reviews -----------------------------------------------------------------------------------
def review_periods() -> QuerySet[ReviewPeriod]:
    return ReviewPeriod.objects.select_related("version").annotate(
        review_count=Count("reviews", distinct=True),
        signed_off_count=Count("reviews", filter=Q(reviews__status=Review.Status.SIGNED_OFF), distinct=True),
    ).order_by("-opens_on", "-id")


def reviews_in_period(*, period: ReviewPeriod, school_ids: frozenset[int] | None = None,
                      organisation: bool = True) -> list[Review]:
    """The period's reviews: of `school_ids` (None: every school), and the organisation's own."""
    reviews = Review.objects.filter(period=period).select_related("school", "signed_off_by").annotate(
        rated=Count("ratings", distinct=True),
    )
    schools = Q(school__isnull=False) if school_ids is None else Q(school_id__in=school_ids)
    reviews = reviews.filter(schools | Q(school__isnull=True)) if organisation else reviews.filter(schools)
    # The organisation's own review first, then schools by name.
    return sorted(reviews, key=lambda r: (r.school_id is not None, r.school.name if r.school_id else ""))


def reviews_to_do(*, access) -> list[Review]:
    """Reviews in open periods that this person may rate and that are not yet signed off."""
    reviews = Review.objects.filter(
        status=Review.Status.IN_PROGRESS, period__status=ReviewPeriod.Status.OPEN
    ).select_related("period", "school")
    if not access.can_lead_organisation:
        reviews = reviews.filter(school_id__in=access.schools_for(Role.SCHOOL_LEAD))
    return sorted(reviews, key=lambda r: (r.period.due_on, r.school_id is not None, r.school.name if r.school_id else ""))


def latest_signed_off_review(*, school: School | None) -> Review | None:
    return (
        Review.objects.filter(school=school, status=Review.Status.SIGNED_OFF)
        .select_related("period")
        .order_by("-period__opens_on", "-period_id")
        .first()
    )


def ratings_of(*, review: Review) -> dict[int, Rating]:
    """The review's ratings by commitment id, with their evidence counted and listed."""
    ratings = (
        Rating.objects.filter(review=review)
        .select_related("carried_forward_from__review__period", "updated_by")
        .prefetch_related("links", "files")
        .annotate(link_count=Count("links", distinct=True), file_count=Count("files", distinct=True))
    )
    return {rating.commitment_id: rating for rating in ratings}


def is_flagged(rating: Rating | None) -> bool:
    """A rating that claims progress without a single link or file to show it."""
    if rating is None or not rating.needs_evidence:
        return False
    links = getattr(rating, "link_count", None)
    files = getattr(rating, "file_count", None)
    if links is None or files is None:
        links, files = rating.links.count(), rating.files.count()
    return links + files == 0


@dataclass
class ReviewRow:
    commitment: Commitment
    rating: Rating | None
    flagged: bool
    measures: list[LinkedMeasure]


@dataclass
class ReviewSummary:
    total: int
    rated: int
    flagged: int
    carried: int
    by_level: dict[str, int]

    @property
    def unrated(self) -> int:
        return self.total - self.rated


def review_rows(*, review: Review, language: str) -> tuple[list[ReviewRow], ReviewSummary]:
    commitments = commitments_of(version=review.period.version)
    ratings = ratings_of(review=review)
    rows = [
        ReviewRow(
            commitment=commitment,
            rating=ratings.get(commitment.pk),
            flagged=is_flagged(ratings.get(commitment.pk)),
            measures=linked_measures(commitment=commitment, school=review.school, language=language),
        )
        for commitment in commitments
    ]
    by_level = {level: 0 for level in Rating.Level.values}
    for rating in ratings.values():
        by_level[rating.level] += 1
    summary = ReviewSummary(
        total=len(rows),
        rated=sum(1 for row in rows if row.rating),
        flagged=sum(1 for row in rows if row.flagged),
        carried=sum(1 for row in rows if row.rating and row.rating.carried_forward_from_id),
        by_level=by_level,
    )
    return rows, summary


# --- Overview ----------------------------------------------------------------------------------
def previous_period(*, period: ReviewPeriod) -> ReviewPeriod | None:
    return (
        ReviewPeriod.objects.filter(opens_on__lte=period.opens_on)
        .exclude(pk=period.pk)
        .order_by("-opens_on", "-id")
        .first()
    )


CHANGE_UP, CHANGE_DOWN, CHANGE_SAME = "up", "down", "same"


@dataclass
class OverviewCell:
    shown: bool  # False: the review is not signed off and this person does not follow its progress
    rating: Rating | None = None
    previous: Rating | None = None
    change: str | None = None
    flagged: bool = False

    @property
    def evidence_count(self) -> int:
        if self.rating is None:
            return 0
        return getattr(self.rating, "link_count", 0) + getattr(self.rating, "file_count", 0)


@dataclass
class OverviewColumn:
    label: str
    school: School | None
    review: Review | None
    shown: bool
    flagged: int = 0
    rated: int = 0
    readable: bool = False  # the person may open the review itself (set by the view)


@dataclass
class OverviewRow:
    commitment: Commitment
    cells: list[OverviewCell]


@dataclass
class Overview:
    period: ReviewPeriod
    previous: ReviewPeriod | None
    columns: list[OverviewColumn]
    rows: list[OverviewRow]

    @property
    def flagged(self) -> int:
        return sum(column.flagged for column in self.columns)

    @property
    def signed_off(self) -> int:
        return sum(1 for column in self.columns if column.review and column.review.is_signed_off)


def _signature(commitment: Commitment) -> tuple:
    return commitment.key, tuple(sorted((code, text) for code, text in commitment.statement.items() if text))


def _change(rating: Rating | None, previous: Rating | None) -> str | None:
    if rating is None or previous is None:
        return None
    now, before = Rating.LEVEL_ORDER[rating.level], Rating.LEVEL_ORDER[previous.level]
    return CHANGE_UP if now > before else CHANGE_DOWN if now < before else CHANGE_SAME


def overview(*, period: ReviewPeriod, scope: OverviewScope, organisation_name: str) -> Overview:
    """The schools x commitments grid of one period, each cell with its change since the
    previous period (only where the commitment is unchanged, as for carried-forward ratings)."""
    commitments = commitments_of(version=period.version)
    reviews = {review.school_id: review for review in Review.objects.filter(period=period).select_related("school")}
    schools = School.objects.filter(pk__in=[sid for sid in reviews if sid is not None]).order_by("name")
    if scope.school_ids is not None:
        schools = schools.filter(pk__in=scope.school_ids)
    before = previous_period(period=period)
    previous_reviews = (
        {review.school_id: review for review in Review.objects.filter(period=before)} if before else {}
    )

    def shown(review: Review | None, school_id: int | None) -> bool:
        if review is None:
            return False
        if review.is_signed_off:
            return True
        if school_id is None:
            return scope.in_progress_organisation
        return scope.in_progress_school_ids is None or school_id in scope.in_progress_school_ids

    scopes: list[tuple[str, School | None]] = []
    if scope.organisation_column and None in reviews:
        scopes.append((organisation_name, None))
    scopes += [(school.name, school) for school in schools]
    columns = []
    ratings_by_scope = {}
    previous_by_scope = {}
    for label, school in scopes:
        school_id = school.pk if school else None
        review = reviews.get(school_id)
        column = OverviewColumn(label=label, school=school, review=review, shown=shown(review, school_id))
        columns.append(column)
        ratings_by_scope[school_id] = ratings_of(review=review) if column.shown else {}
        old_review = previous_reviews.get(school_id)
        previous_by_scope[school_id] = (
            {
                _signature(r.commitment): r
                for r in Rating.objects.filter(review=old_review).select_related("commitment")
            }
            if column.shown and old_review is not None and old_review.is_signed_off
            else {}
        )
    rows = []
    for commitment in commitments:
        cells = []
        for column in columns:
            school_id = column.school.pk if column.school else None
            if not column.shown:
                cells.append(OverviewCell(shown=False))
                continue
            rating = ratings_by_scope[school_id].get(commitment.pk)
            previous = previous_by_scope[school_id].get(_signature(commitment))
            cell = OverviewCell(
                shown=True, rating=rating, previous=previous, change=_change(rating, previous),
                flagged=is_flagged(rating),
            )
            column.flagged += cell.flagged
            column.rated += rating is not None
            cells.append(cell)
        rows.append(OverviewRow(commitment=commitment, cells=cells))
    return Overview(period=period, previous=before, columns=columns, rows=rows)


# --- Anonymous comments ------------------------------------------------------------------------
@dataclass
class CommentGroup:
    commitment: Commitment
    school: School | None
    texts: list[str]


def comment_groups(*, version: CharterVersion, school_ids: frozenset[int] | None, threshold: int) -> list[CommentGroup]:
    """Comments on the version's commitments, by commitment and scope, only where a group holds
    at least `threshold` comments; each group shuffled, never dated."""
    comments = CommitmentComment.objects.filter(commitment__version=version)
    if school_ids is not None:
        comments = comments.filter(school_id__in=school_ids)
    sizes = comments.values("commitment_id", "school_id").annotate(n=Count("id")).filter(n__gte=threshold)
    wanted = {(row["commitment_id"], row["school_id"]) for row in sizes}
    if not wanted:
        return []
    texts = defaultdict(list)
    for commitment_id, school_id, text in comments.values_list("commitment_id", "school_id", "text"):
        if (commitment_id, school_id) in wanted:
            texts[(commitment_id, school_id)].append(text)
    commitments = {c.pk: c for c in Commitment.objects.filter(pk__in={cid for cid, _sid in wanted})}
    schools = {s.pk: s for s in School.objects.filter(pk__in={sid for _cid, sid in wanted if sid})}
    rng = random.SystemRandom()
    groups = []
    for (commitment_id, school_id), group in texts.items():
        rng.shuffle(group)
        groups.append(CommentGroup(commitment=commitments[commitment_id], school=schools.get(school_id), texts=group))
    groups.sort(key=lambda g: (g.commitment.order, g.commitment.pk, g.school is not None, g.school.name if g.school else ""))
    return groups


def ratings_for_version(*, review: Review | None, version: CharterVersion) -> dict[int, Rating]:
    """A signed-off review's ratings, matched to `version`'s commitments (same key, same
    statement): a review of an earlier version still speaks for the promises left unchanged."""
    if review is None:
        return {}
    by_signature = {
        _signature(rating.commitment): rating
        for rating in Rating.objects.filter(review=review).select_related("commitment")
    }
    return {
        commitment.pk: by_signature[_signature(commitment)]
        for commitment in Commitment.objects.filter(version=version)
        if _signature(commitment) in by_signature
    }


def reading_language(*, charter: Charter | None, language: str) -> str:
    """The language to show the charter's own texts in: the page's, if the charter is written in it."""
    if charter is None or not charter.languages or language in charter.languages:
        return language
    return "en" if "en" in charter.languages else charter.languages[0]
