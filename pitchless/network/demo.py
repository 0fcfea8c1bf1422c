"""A demo network: about 30 members, their connections, invitations and conversations.

Some pitches arrive minutes after a connection, one member sends the same template to many
people, and the rest are ordinary conversations, so a first visitor sees the guard at work.
Every text here was written for the demo. Everything goes through the same services as the
pages; only timestamps are moved back afterwards, to make the history look lived in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from pitchless.exchange.demo import load_exchange_demo
from pitchless.members.models import Member
from pitchless.network import services
from pitchless.network.models import Connection, Conversation, Invitation, Message, Participant

DEMO_PASSWORD = "pitchless-demo"
DOMAIN = "demo.pitchless.test"

#: (key, name, headline, company, location)
PEOPLE: tuple[tuple[str, str, str, str, str], ...] = (
    ("maya", "Maya Lindqvist", "Head of Data Platform", "Nordlys Freight", "Gothenburg"),
    ("theo", "Theo Marchetti", "Account Executive", "Cloudwise Partners", "Milan"),
    ("rex", "Rex Holloway", "Growth Consultant", "GrowthRocket Agency", "London"),
    ("ines", "Inès Duval", "Data Engineer", "Nordlys Freight", "Lyon"),
    ("kofi", "Kofi Mensah", "Staff Engineer", "Harbourline", "Accra"),
    ("lena", "Lena Vogt", "Engineering Manager", "Brightpath Health", "Berlin"),
    ("omar", "Omar Haddad", "Analytics Lead", "Souk Analytics", "Amman"),
    ("priya", "Priya Raman", "Product Manager", "Tidewater Logistics", "Pune"),
    ("jonas", "Jonas Berg", "Platform Engineer", "Nordlys Freight", "Oslo"),
    ("sofia", "Sofia Alves", "Data Scientist", "Marés Energia", "Lisbon"),
    ("dan", "Dan Okafor", "CTO", "Kitepost", "Lagos"),
    ("mei", "Mei Tanaka", "Site Reliability Engineer", "Hoshi Systems", "Osaka"),
    ("lucas", "Lucas Moreau", "Sales Director", "LeadForge", "Paris"),
    ("anna", "Anna Kowalska", "Recruiter", "TalentBridge", "Warsaw"),
    ("ben", "Ben Carter", "Freelance Data Consultant", "", "Manchester"),
    ("zara", "Zara Khan", "Business Development", "ScaleStack", "Dubai"),
    ("felix", "Felix Wagner", "Solutions Architect", "Cumulus Cloud", "Munich"),
    ("nora", "Nora Eriksen", "VP Engineering", "Fjordline Media", "Bergen"),
    ("sam", "Sam Whitfield", "Data Analyst", "Nordlys Freight", "Gothenburg"),
    ("ana", "Ana Ruiz", "Machine Learning Engineer", "Brisa Labs", "Valencia"),
    ("tom", "Tom Becker", "Database Administrator", "Harbourline", "Hamburg"),
    ("chloe", "Chloé Martin", "UX Researcher", "Brightpath Health", "Montréal"),
    ("ravi", "Ravi Shah", "Partnerships Manager", "DataPulse", "Bangalore"),
    ("eva", "Eva Novak", "Engineering Lead", "Kitepost", "Prague"),
    ("hugo", "Hugo Lambert", "Student, MSc Data Science", "", "Brussels"),
    ("yara", "Yara Nasser", "Operations Manager", "Tidewater Logistics", "Beirut"),
    ("pete", "Pete Lawson", "Founder", "InboxBoost", "Austin"),
    ("grace", "Grace Liu", "Developer Advocate", "OpenRail", "Singapore"),
    ("ivan", "Ivan Petrov", "Backend Engineer", "Hoshi Systems", "Sofia"),
    ("leo", "Leo Santos", "Head of Sales", "PipelinePro", "São Paulo"),
)

ABOUT = {
    "maya": "I run the data platform at a freight company: pipelines, the warehouse, and the "
    "people who keep them honest. Happy to talk shop about streaming and data contracts.",
    "theo": "I help mid-sized companies move to the cloud without surprises on the bill.",
    "rex": "Growth, outreach and pipeline for B2B founders.",
}

# Ordinary conversations with Maya: (key, minutes since connecting, lines alternating
# other -> Maya -> other ...).
CONVERSATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "ines",
        (
            "Morning Maya! The nightly load finished at 04:10 again, twenty minutes late. "
            "I think the new partition scheme on the shipments table is to blame.",
            "Thanks for flagging it. Can you compare the query plans from last week and today?",
            "Done: the planner skips the date index when the range crosses a month. "
            "I'll write it up before stand-up.",
        ),
    ),
    (
        "kofi",
        (
            "Great meeting you at the Accra data summit. Your talk on data contracts "
            "was the one I kept thinking about on the flight home.",
            "That's kind of you, Kofi! How is the migration at Harbourline going?",
            "Slowly but surely. Could I send you our draft contract template for a look? "
            "No rush at all.",
            "Of course, send it over. I'll have time on Thursday.",
        ),
    ),
    (
        "lena",
        (
            "Hi Maya, a colleague of mine is moving to Gothenburg and asked about the "
            "local meetups. Is the data engineering one still running monthly?",
        ),
    ),
    (
        "sam",
        (
            "The dashboard for the port team is live. They already found two routes where "
            "containers sit idle for over a day.",
            "Brilliant work, Sam. Let's show it at Friday's demo.",
        ),
    ),
    (
        "hugo",
        (
            "Hello Maya, I'm finishing my MSc thesis on anomaly detection in shipping data. "
            "Would you have twenty minutes to tell me what matters in practice? "
            "I'd be grateful for any pointers.",
        ),
    ),
)

# Pitches sent to Maya a few minutes after connecting: (key, minutes after connecting, text).
PITCHES: tuple[tuple[str, int, str], ...] = (
    (
        "theo",
        4,
        "Hi Maya, thanks for connecting! I noticed Nordlys runs a big data platform. "
        "Cloudwise helps teams like yours cut cloud spend by 35% in 90 days. "
        "Our pricing is simple and the first audit is free. Could we book a quick "
        "15-minute call this week? Here is my calendar: https://calendar.example/theo",
    ),
    (
        "lucas",
        2,
        "Maya, great to connect. LeadForge delivers 50 qualified meetings a month for "
        "logistics vendors. We have an exclusive offer this quarter with a 20% discount "
        "if you sign before Friday. Are you free for a short demo tomorrow?",
    ),
    (
        "zara",
        9,
        "Hello Maya! ScaleStack is the all-in-one platform for data teams. Book a demo "
        "and get a free trial for 30 days, no credit card needed. When works for a quick call?",
    ),
    (
        "leo",
        6,
        "Hi Maya, I help heads of data increase ROI with our pipeline monitoring product. "
        "Clients see results in weeks. Can I send over our pricing deck and set up a 20-minute "
        "intro with our solutions team?",
    ),
)

# The bulk sender: the same template, name swapped, to many new connections.
BULK_SENDER = "rex"
BULK_TEMPLATE = (
    "Hi {first}, thanks for accepting my invite! I work with B2B companies to fill their "
    "sales pipeline with qualified leads on autopilot. Our clients book 30+ meetings a month. "
    "Would you be open to a quick 15-minute call this week to see if we could do the same "
    "for you? Pricing starts at $990 per month."
)
# Maya comes last, so her copy already counts the whole campaign.
BULK_TARGETS = ("kofi", "lena", "omar", "priya", "jonas", "sofia", "dan", "mei", "maya")

# Invitations waiting for Maya: (key, note).
INVITATIONS_TO_MAYA: tuple[tuple[str, str], ...] = (
    (
        "grace",
        "Hi Maya, I loved your post on data contracts. I run the OpenRail community "
        "meetups in Singapore and would like to stay in touch.",
    ),
    (
        "pete",
        "Hi Maya! InboxBoost gets your product in front of 10,000 decision makers. "
        "Let's connect so I can send you our pricing and book a demo.",
    ),
    ("ravi", "Hello Maya, I'd like to connect."),
)

# Long-standing connections among the rest, so the network does not hang on Maya alone.
EXTRA_CONNECTIONS: tuple[tuple[str, str], ...] = (
    ("ines", "jonas"),
    ("ines", "sam"),
    ("jonas", "sam"),
    ("kofi", "tom"),
    ("lena", "chloe"),
    ("omar", "priya"),
    ("sofia", "ana"),
    ("dan", "eva"),
    ("mei", "ivan"),
    ("felix", "nora"),
    ("nora", "maya"),
    ("felix", "maya"),
    ("ana", "maya"),
    ("eva", "maya"),
    ("tom", "maya"),
    ("grace", "kofi"),
    ("yara", "priya"),
    ("ben", "sam"),
    ("anna", "lena"),
    ("chloe", "ana"),
    ("theo", "felix"),
    ("ravi", "omar"),
    ("hugo", "sofia"),
    ("ivan", "eva"),
    ("yara", "tom"),
)


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What was loaded, and the two logins to print."""

    members: int
    connections: int
    messages: int
    pitches: int
    logins: tuple[tuple[str, str, str], ...]


def email_of(key: str) -> str:
    """The demo address of a member key."""
    return f"{key}@{DOMAIN}"


def _connect(a: Member, b: Member, *, minutes_ago: float) -> None:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    for member, other in ((a, b), (b, a)):
        Connection.objects.get_or_create(member=member, other=other, defaults={"created_at": at})


def _invite_accepted(a: Member, b: Member, *, minutes_ago: float) -> None:
    """An accepted invitation from ``a`` to ``b``, backdated."""
    inv = services.send_invitation(sender=a, recipient=b)
    services.accept_invitation(invitation=inv, by=b)
    at = timezone.now() - timedelta(minutes=minutes_ago)
    Invitation.objects.filter(pk=inv.pk).update(created_at=at, decided_at=at)
    Connection.objects.filter(invitation=inv).update(created_at=at)


def _backdate(message: Message, minutes_ago: float) -> None:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    Message.objects.filter(pk=message.pk).update(created_at=at)
    Conversation.objects.filter(pk=message.conversation_id).update(last_message_at=at)
    Participant.objects.filter(conversation=message.conversation_id).update(last_message_at=at)


@transaction.atomic
def load_demo() -> DemoResult:
    """Create the demo network in an empty database and return what was made."""
    people: dict[str, Member] = {}
    for i, (key, name, headline, company, location) in enumerate(PEOPLE):
        member = Member.objects.create_user(
            email_of(key),
            DEMO_PASSWORD,
            name=name,
            headline=headline,
            company=company,
            location=location,
            about=ABOUT.get(key, ""),
        )
        # Joined long ago (so new-account caps do not apply), in a stable order.
        member.date_joined = timezone.now() - timedelta(days=400 - i)
        member.notify_messages = member.notify_invitations = False
        member.save(update_fields=["date_joined", "notify_messages", "notify_invitations"])
        people[key] = member
    maya = people["maya"]
    maya.offer_categories = "data observability, warehouse hosting"
    maya.save(update_fields=["offer_categories"])

    for a, b in EXTRA_CONNECTIONS:
        _connect(people[a], people[b], minutes_ago=60 * 24 * 200)

    # Ordinary conversations: connected months ago, a few messages each way.
    for key, lines in CONVERSATIONS:
        other = people[key]
        _invite_accepted(other, maya, minutes_ago=60 * 24 * 120)
        for n, line in enumerate(lines):
            sender, recipient = (other, maya) if n % 2 == 0 else (maya, other)
            sent = services.send_message(sender=sender, recipient=recipient, text=line).message
            _backdate(sent, minutes_ago=(len(lines) - n) * 47)

    # Pitches minutes after connecting. Connections are dated so that the guard sees the
    # real gap, then everything is moved back together.
    for offset, (key, delay, text) in enumerate(PITCHES):
        seller = people[key]
        _invite_accepted(seller, maya, minutes_ago=delay)
        sent = services.send_message(sender=seller, recipient=maya, text=text).message
        _backdate(sent, minutes_ago=30 + offset * 90)

    # The bulk sender: one template to many fresh connections.
    rex = people[BULK_SENDER]
    for n, key in enumerate(BULK_TARGETS):
        target = people[key]
        _invite_accepted(rex, target, minutes_ago=3)
        text = BULK_TEMPLATE.format(first=target.get_short_name())
        sent = services.send_message(sender=rex, recipient=target, text=text).message
        _backdate(sent, minutes_ago=200 - n * 5)

    for hours, (key, note) in enumerate(INVITATIONS_TO_MAYA, start=1):
        inv = services.send_invitation(sender=people[key], recipient=maya, note=note)
        Invitation.objects.filter(pk=inv.pk).update(
            created_at=timezone.now() - timedelta(hours=hours * 5)
        )
    # Theo, our seller, also has invitations waiting elsewhere.
    for key in ("nora", "dan", "grace"):
        services.send_invitation(
            sender=people["theo"], recipient=people[key], note="Would be glad to connect."
        )

    # The Exchange's listings, proposals and one reviewed engagement, by the same members.
    load_exchange_demo(people)

    return DemoResult(
        members=len(people),
        connections=Connection.objects.count() // 2,
        messages=Message.objects.count(),
        pitches=Message.objects.exclude(filed_as=Message.Filing.INBOX).count(),
        logins=(
            (email_of("maya"), DEMO_PASSWORD, "receives pitches: see Pitches and Invitations"),
            (email_of("theo"), DEMO_PASSWORD, "sends one: see how a filed pitch looks to him"),
        ),
    )


def describe(result: DemoResult) -> str:
    """The text the demo commands print."""
    lines = [
        f"Loaded the demo network: {result.members} members, {result.connections} connections, "
        f"{result.messages} messages ({result.pitches} kept out of an inbox).",
    ]
    if result.pitches == 0:
        lines.append(
            "No message was filed as a pitch: the guard's model is not installed, so messages "
            "were delivered unchecked."
        )
    lines.append("Log in at http://127.0.0.1:8000/login/ as:")
    for email, password, what in result.logins:
        lines.append(f"  {email}  password: {password}  ({what})")
    return "\n".join(lines)
