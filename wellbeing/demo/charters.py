"""The demo trust's staff wellbeing charter and two years of self-assessment.

Northbrook adopted Staffwell's general charter (in English, French and Welsh) and published it
in September 2023. Every school, and the trust itself, rated every commitment in the 2023–24
review and again in 2024–25; both reviews are signed off. Ratings move the way they do in real
schools: mostly forward, a few slipping back, and a handful of claims made without evidence, which
the overview flags. The demo school (Hollins Park) attached real PDF files as evidence.

Everything is made through the charters services, from a seeded random generator, so every run
makes the same charter; an organisation that already has a charter is left as it is.
"""

from __future__ import annotations

import datetime
import random
import re

from django.core.files.uploadedfile import SimpleUploadedFile

from charters import services
from charters.models import Charter, Commitment, Rating, Review
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Membership, Role

from . import Demo
from .tenancy import DEMO_SCHOOL

Level = Rating.Level
PUBLISHED_ON = datetime.date(2023, 9, 4)
PERIODS = (
    # name, opens, due, the day each review was signed off
    ("2023–24 self-assessment", datetime.date(2024, 1, 8), datetime.date(2024, 3, 28), datetime.date(2024, 3, 22)),
    ("2024–25 self-assessment", datetime.date(2025, 1, 6), datetime.date(2025, 3, 28), datetime.date(2025, 3, 21)),
)

# What a school writes about a commitment, by area and by how far it has got.
NARRATIVES = {
    "workload": {
        Level.NOT_STARTED: "Not yet looked at this year; the workload working group meets for the first time next term.",
        Level.DEVELOPING: "Marking policy rewritten with staff and data drops cut from six to three a year. Meeting times are agreed but still overrun.",
        Level.EMBEDDED: "Every new policy goes through the workload impact assessment. Data drops are down to three a year and the meetings calendar is kept.",
    },
    "flexible_working": {
        Level.NOT_STARTED: "Requests are considered case by case; we have no published process yet.",
        Level.DEVELOPING: "Flexible working policy adopted from the trust. Five requests this year, four agreed; PPA at home is being trialled.",
        Level.EMBEDDED: "All requests answered within four weeks with reasons; job shares in two year groups and PPA at home for everyone who wants it.",
    },
    "feedback": {
        Level.NOT_STARTED: "We rely on the trust survey; nothing of our own yet.",
        Level.DEVELOPING: "Survey results shared at a staff meeting and a wellbeing champion named. “You said, we did” board started in the staffroom.",
        Level.EMBEDDED: "Termly “you said, we did” updates, a staff wellbeing group that shapes decisions, and a champion every member of staff knows.",
    },
    "culture": {
        Level.NOT_STARTED: "Dignity at work policy in place but not discussed with staff.",
        Level.DEVELOPING: "Staff code of conduct reviewed together; thank-you notes and shout-outs in the weekly bulletin.",
        Level.EMBEDDED: "Staff describe a respectful, supportive culture in the survey; concerns are handled quickly and reported to governors.",
    },
    "professional_development": {
        Level.NOT_STARTED: "Training is planned around whole-school priorities only; support staff have little on offer.",
        Level.DEVELOPING: "Development conversations for all teaching staff; support staff included from this year. Line managers booked on wellbeing training.",
        Level.EMBEDDED: "Every member of staff has a development plan; all line managers have completed the trust's supportive conversations course.",
    },
    "health": {
        Level.NOT_STARTED: "The employee assistance programme is in the handbook, but few staff know about it.",
        Level.DEVELOPING: "Support posters in every staffroom and two mental health first aiders trained. Return-to-work plans used in most cases.",
        Level.EMBEDDED: "Staff know where to get support; phased returns and reasonable adjustments are agreed with every returning colleague.",
    },
}

EVIDENCE = {
    "workload": ("Workload impact assessment log", "workload-impact-log"),
    "flexible_working": ("Flexible working requests (numbers only)", "flexible-working-summary"),
    "feedback": ("“You said, we did” updates", "you-said-we-did"),
    "culture": ("Staff code of conduct", "code-of-conduct"),
    "professional_development": ("Professional development plan overview", "cpd-overview"),
    "health": ("Staff support information", "staff-support"),
}
# Files the demo school attached, as a lead would: by commitment key.
FILES = {
    "workload-unnecessary-tasks": ("Marking and feedback policy.pdf", "Marking and feedback policy"),
    "feedback-act": ("You said, we did - spring term.pdf", "You said, we did: spring term"),
}


def small_pdf(title: str) -> bytes:
    """A one-page PDF that says what it is (valid enough for any viewer)."""
    text = re.sub(r"[()\\]", "", title)
    stream = f"BT /F1 18 Tf 50 740 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _first_level(rng: random.Random) -> str:
    return rng.choices([Level.NOT_STARTED, Level.DEVELOPING, Level.EMBEDDED], weights=[25, 50, 25])[0]


def _next_level(rng: random.Random, level: str) -> str:
    roll = rng.random()
    if level == Level.NOT_STARTED:
        return Level.DEVELOPING if roll < 0.6 else Level.NOT_STARTED
    if level == Level.DEVELOPING:
        return Level.EMBEDDED if roll < 0.4 else Level.NOT_STARTED if roll > 0.95 else Level.DEVELOPING
    return Level.DEVELOPING if roll < 0.1 else Level.EMBEDDED


def _signer(review: Review, leads: dict, organisation_lead):
    return leads.get(review.school_id, organisation_lead)


def load(*, demo: Demo) -> None:
    organisation = demo.organisations.get("northbrook")
    if organisation is None:
        return
    with organisation_scope(organisation):
        if Charter.objects.exists():
            demo.say("Northbrook's staff wellbeing charter is already there: left as it is.")
            return
        from surveys.services import instrument_load_builtin

        instrument_load_builtin()  # the charter's commitments link to the built-in survey's items
        memberships = Membership.objects.filter(is_active=True, role__in=[Role.ORGANISATION_LEAD, Role.SCHOOL_LEAD])
        organisation_lead = next((m.user for m in memberships if m.role == Role.ORGANISATION_LEAD), None)
        leads = {m.school_id: m.user for m in memberships if m.role == Role.SCHOOL_LEAD}
        version = services.charter_adopt(
            organisation=organisation, template_code="general", languages=["en", "fr", "cy"], by=organisation_lead
        )
        services.charter_version_publish(version=version, by=organisation_lead, today=PUBLISHED_ON)
        commitments = list(Commitment.objects.filter(version=version).order_by("order"))
        previous: dict[tuple, str] = {}
        files = 0
        for name, opens_on, due_on, signed_on in PERIODS:
            period = services.review_period_open(
                organisation=organisation, name=name, opens_on=opens_on, due_on=due_on, by=organisation_lead
            )
            for review in Review.objects.filter(period=period).select_related("school").order_by("pk"):
                scope = review.school.name if review.school_id else organisation.name
                rng = random.Random(f"{organisation.slug}/{scope}/{name}")
                by = _signer(review, leads, organisation_lead)
                for commitment in commitments:
                    before = previous.get((scope, commitment.key))
                    level = _first_level(rng) if before is None else _next_level(rng, before)
                    previous[(scope, commitment.key)] = level
                    # A few claims made without evidence: the overview flags them.
                    evidenced = level != Level.NOT_STARTED and rng.random() < 0.85
                    carried = Rating.objects.filter(review=review, commitment=commitment).first()
                    carried_links = list(carried.links.all()) if carried else []
                    links, uploads = [], []
                    if evidenced and not carried_links:
                        title, slug = EVIDENCE[commitment.area]
                        links.append((f"https://intranet.northbrook.example/{_slug(scope)}/{slug}", title))
                        if scope == DEMO_SCHOOL and commitment.key in FILES:
                            filename, heading = FILES[commitment.key]
                            uploads.append(SimpleUploadedFile(filename, small_pdf(f"{scope}: {heading}"),
                                                              content_type="application/pdf"))
                    if not evidenced:
                        # Last year's evidence no longer shows this year's claim.
                        for link in carried_links:
                            services.evidence_link_remove(link=link)
                    services.rating_save(
                        review=review, commitment=commitment, level=level,
                        narrative=NARRATIVES[commitment.area][level], links=links, files=uploads, by=by,
                    )
                    files += len(uploads)
                services.review_sign_off(review=review, by=by, today=signed_on)
            services.review_period_close(period=period)
        demo.say(
            f"Demo charter for {organisation.name}: {len(commitments)} commitments, "
            f"two signed-off self-assessments ({len(PERIODS)} periods), {files} evidence files."
        )
