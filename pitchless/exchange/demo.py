"""Demo data for the Exchange: about sixty listings of the demo members, a few requests with
proposals, one completed engagement with its reviews and a saved search.

Called by the network's demo loader (``manage.py demo_data`` / ``pitchless demo-data``) with
its members. Every text was written for the demo. Everything goes through the services, so
each listing has its signature and every rule holds; publication dates are spread over the
last three weeks by passing ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from pitchless.exchange import services
from pitchless.exchange.models import Listing
from pitchless.exchange.search import SearchParams
from pitchless.members.models import Member

OFFER, REQUEST = Listing.Kind.OFFER, Listing.Kind.REQUEST


@dataclass(frozen=True, slots=True)
class DemoListing:
    """One demo listing: who posts it and what it says."""

    owner: str
    kind: str
    category: str
    title: str
    description: str
    tags: str = ""
    price_min: int | None = None
    price_max: int | None = None
    remote: bool = True


#: the demo's listings; owners are keys of ``pitchless.network.demo.PEOPLE``
LISTINGS: tuple[DemoListing, ...] = (
    DemoListing(
        "anna",
        OFFER,
        "recruiting-services",
        "Technical recruiting for data teams",
        "I find data engineers, analysts and ML engineers for teams of five to fifty.\n\n"
        "- a calibrated role profile in the first week\n- a shortlist within three "
        "weeks\n- a fixed fee, no percentage of salary",
        "recruiting,data,hiring",
        4000,
        9000,
    ),
    DemoListing(
        "anna",
        OFFER,
        "hr-payroll",
        "Interview training for hiring managers",
        "A half-day session on structured interviews: scorecards, work samples and how "
        "to debrief without groupthink.",
        "interviews,hiring,training",
        900,
        1500,
    ),
    DemoListing(
        "theo",
        OFFER,
        "cloud-hosting",
        "Cloud cost review for mid-sized teams",
        "I read your last three cloud bills and your architecture, and you get a "
        "written list of savings ranked by effort. Most teams save **15 to 30%**.",
        "aws,azure,finops",
        1500,
        3000,
    ),
    DemoListing(
        "theo",
        OFFER,
        "consulting",
        "Cloud migration planning workshop",
        "Two days with your engineers to map what moves first, what stays, and what "
        "the migration will really cost.",
        "migration,cloud,planning",
        3500,
        5000,
        False,
    ),
    DemoListing(
        "rex",
        OFFER,
        "marketing",
        "B2B newsletter writing and editing",
        "A monthly newsletter your customers actually open: interviews with your "
        "engineers, product notes, no fluff.",
        "newsletter,content,b2b",
        600,
        1200,
    ),
    DemoListing(
        "ines",
        OFFER,
        "data-analytics",
        "dbt project setup and review",
        "I set up or review dbt projects: layering, tests, documentation and CI. "
        "Fixed price for a first review.",
        "dbt,sql,analytics-engineering",
        1200,
        2500,
    ),
    DemoListing(
        "kofi",
        OFFER,
        "software-development",
        "Backend reviews for Go services",
        "A careful read of your Go services: concurrency, error handling, timeouts "
        "and observability, with a written report and a call.",
        "go,backend,review",
        2000,
        4000,
    ),
    DemoListing(
        "kofi",
        OFFER,
        "training",
        "Go for Python developers, a three-day course",
        "Hands-on course for teams moving services from Python to Go. Exercises come "
        "from real code bases.",
        "go,python,course",
        4500,
        6000,
    ),
    DemoListing(
        "lena",
        OFFER,
        "coaching",
        "Coaching for first-time engineering managers",
        "Six fortnightly sessions on one-to-ones, feedback, hiring and saying no to "
        "your own manager.",
        "management,coaching,leadership",
        1200,
        1800,
    ),
    DemoListing(
        "omar",
        OFFER,
        "research",
        "Market sizing for MENA software products",
        "Bottom-up market sizing with interviews and public data for Jordan, the Gulf "
        "and Egypt. Delivered as a short deck and the spreadsheet behind it.",
        "market-research,mena",
        3000,
        7000,
    ),
    DemoListing(
        "omar",
        OFFER,
        "data-analytics",
        "Dashboards your board will read",
        "I turn the numbers you already collect into five charts that answer the "
        "board's questions, in Metabase or Looker Studio.",
        "dashboards,metabase,kpi",
        800,
        2000,
    ),
    DemoListing(
        "priya",
        OFFER,
        "consulting",
        "Product discovery sprint",
        "A two-week discovery sprint: customer interviews, a problem statement and a "
        "tested prototype, so you build the right thing first.",
        "product,discovery,interviews",
        6000,
        9000,
    ),
    DemoListing(
        "jonas",
        OFFER,
        "it-support",
        "Kubernetes upgrades done for you",
        "I upgrade managed Kubernetes clusters (EKS, GKE, AKS) with a rehearsal on a "
        "copy first and a rollback plan.",
        "kubernetes,upgrades,devops",
        1500,
        3500,
    ),
    DemoListing(
        "sofia",
        OFFER,
        "data-analytics",
        "Energy demand forecasting models",
        "Forecasting models for energy retailers and grid operators: weather "
        "features, holidays, and honest error bars.",
        "forecasting,energy,python",
        5000,
        12000,
    ),
    DemoListing(
        "dan",
        OFFER,
        "software",
        "Kitepost: parcel tracking API",
        "One API for tracking parcels across 40 African carriers. Free up to 1,000 "
        "tracked parcels a month.",
        "api,logistics,africa",
        0,
        400,
    ),
    DemoListing(
        "mei",
        OFFER,
        "it-support",
        "On-call runbook review",
        "I read your runbooks and alerts and tell you which pages wake people for "
        "nothing. Includes a one-hour session with your on-call team.",
        "sre,on-call,alerting",
        900,
        1600,
    ),
    DemoListing(
        "mei",
        OFFER,
        "training",
        "Incident review facilitation",
        "Blameless incident reviews run by someone outside the team, with a written "
        "timeline and follow-ups everyone agreed to.",
        "incidents,sre,postmortem",
        500,
        900,
    ),
    DemoListing(
        "lucas",
        OFFER,
        "sales-services",
        "Sales process audit for founders",
        "I sit in on ten of your sales calls and map where deals stall. You get a "
        "playbook in plain French or English.",
        "sales,playbook,founders",
        2500,
        4000,
        False,
    ),
    DemoListing(
        "ben",
        OFFER,
        "data-analytics",
        "Freelance data engineering, two days a week",
        "Pipelines, warehouse modelling and the boring fixes nobody has time for. "
        "Available two days a week from next month.",
        "freelance,data-engineering,sql",
        450,
        650,
    ),
    DemoListing(
        "ben",
        OFFER,
        "training",
        "SQL for analysts, an evening course",
        "Six evenings, from joins to window functions, with your own data if you like.",
        "sql,training,analysts",
        1200,
        2000,
    ),
    DemoListing(
        "zara",
        OFFER,
        "events",
        "Partner events in Dubai, organised end to end",
        "Venue, catering, invitations and follow-up for partner events of 30 to 150 guests.",
        "events,dubai,partners",
        8000,
        25000,
        False,
    ),
    DemoListing(
        "felix",
        OFFER,
        "cloud-hosting",
        "Managed PostgreSQL on European hosting",
        "PostgreSQL run for you on servers in Germany: backups tested monthly, "
        "upgrades planned, a person who answers.",
        "postgresql,hosting,gdpr",
        300,
        1500,
    ),
    DemoListing(
        "felix",
        OFFER,
        "security",
        "Cloud security baseline review",
        "A review of identity, network and logging settings against a short, "
        "practical baseline, with fixes ordered by risk.",
        "security,cloud,iam",
        2500,
        5000,
    ),
    DemoListing(
        "nora",
        OFFER,
        "coaching",
        "Mentoring for engineering leads",
        "Monthly mentoring calls for leads of teams up to twenty people.",
        "mentoring,leadership",
        300,
        500,
    ),
    DemoListing(
        "sam",
        OFFER,
        "writing",
        "Technical documentation that people finish reading",
        "I write and edit internal documentation: onboarding guides, data "
        "dictionaries and READMEs.",
        "documentation,writing,onboarding",
        400,
        1200,
    ),
    DemoListing(
        "ana",
        OFFER,
        "data-analytics",
        "Computer vision prototypes",
        "A working prototype for a vision problem in four weeks: data audit, model, "
        "and an honest report on what accuracy to expect.",
        "computer-vision,ml",
        8000,
        15000,
    ),
    DemoListing(
        "tom",
        OFFER,
        "it-support",
        "Database health check",
        "A day with your PostgreSQL or MySQL databases: slow queries, indexes, "
        "vacuum, backups and the restore you never tried.",
        "postgresql,mysql,dba",
        900,
        1400,
    ),
    DemoListing(
        "chloe",
        OFFER,
        "research",
        "Usability testing with five users",
        "Recruiting, five moderated sessions, and a short report with video clips of "
        "the moments that matter.",
        "ux,usability,research",
        2500,
        4000,
    ),
    DemoListing(
        "chloe",
        OFFER,
        "design",
        "Design review of a product flow",
        "Send me one flow of your product; you get annotated screens and a call to "
        "walk through them.",
        "ux,design-review",
        400,
        700,
    ),
    DemoListing(
        "ravi",
        OFFER,
        "sales-services",
        "Partner programme design",
        "Tiers, incentives and the first ten partners, for software companies entering India.",
        "partnerships,india,channels",
        5000,
        10000,
    ),
    DemoListing(
        "eva",
        OFFER,
        "software-development",
        "Mobile app rescue",
        "Your app is late or crashing: I audit it in a week and lead the fixes with your team.",
        "mobile,ios,android",
        6000,
        14000,
    ),
    DemoListing(
        "yara",
        OFFER,
        "logistics",
        "Freight forwarding in the Levant",
        "Sea and road freight between Beirut, Amman and the Gulf, customs paperwork included.",
        "freight,customs,levant",
        None,
        None,
        False,
    ),
    DemoListing(
        "grace",
        OFFER,
        "writing",
        "Developer tutorials and sample apps",
        "Tutorials and sample apps for developer products, written by a developer "
        "and tested on a clean machine.",
        "devrel,tutorials,docs",
        800,
        2500,
    ),
    DemoListing(
        "grace",
        OFFER,
        "events",
        "Meetup talks on open-source tooling",
        "I give talks on open data tooling at meetups and company lunches in Singapore.",
        "talks,meetups",
        0,
        0,
        False,
    ),
    DemoListing(
        "ivan",
        OFFER,
        "software-development",
        "Python and Django backend work",
        "Backend features, API design and performance work on Django projects, on a fixed scope.",
        "python,django,api",
        3000,
        8000,
    ),
    DemoListing(
        "leo",
        OFFER,
        "sales-services",
        "Outbound playbook for Latin America",
        "Messaging, sequencing and the first three hundred accounts for teams "
        "selling into Brazil and Mexico.",
        "sales,latam,outbound",
        3000,
        6000,
    ),
    DemoListing(
        "pete",
        OFFER,
        "marketing",
        "Cold e-mail deliverability check",
        "I check your sending domains, authentication records and warm-up, and tell "
        "you why your mail lands in spam.",
        "email,deliverability",
        300,
        600,
    ),
    DemoListing(
        "hugo",
        OFFER,
        "translation",
        "French and Dutch translation of technical texts",
        "Documentation, interfaces and release notes translated by a data science "
        "student who reads the code.",
        "translation,french,dutch",
        40,
        120,
    ),
    DemoListing(
        "maya",
        OFFER,
        "training",
        "Data contracts workshop",
        "A one-day workshop on data contracts between product and data teams, with "
        "the templates we use at work.",
        "data-contracts,workshop",
        1500,
        2500,
    ),
    DemoListing(
        "jonas",
        OFFER,
        "hardware",
        "Refurbished rack servers, ten available",
        "Ten refurbished 1U servers, 256 GB RAM each, tested and wiped, for pick-up "
        "in Oslo or shipping at cost.",
        "servers,hardware,refurbished",
        900,
        1200,
        False,
    ),
    DemoListing(
        "tom",
        OFFER,
        "office-equipment",
        "Standing desks from our old office",
        "Twelve electric standing desks in good condition, collection in Hamburg.",
        "furniture,desks",
        150,
        250,
        False,
    ),
    DemoListing(
        "zara",
        OFFER,
        "office-space",
        "Desks in a Dubai Marina coworking space",
        "Four fixed desks free from next month in a quiet coworking space, meeting rooms included.",
        "coworking,dubai",
        450,
        600,
        False,
    ),
    DemoListing(
        "sofia",
        OFFER,
        "books-courses",
        "Time series course notes and notebooks",
        "My course notes and forty notebooks on time series forecasting, licensed for teams.",
        "time-series,course",
        150,
        400,
    ),
    DemoListing(
        "dan",
        OFFER,
        "finance",
        "Fundraising deck review for seed rounds",
        "I review seed decks from founders in logistics and fintech and tell you what "
        "investors will ask first.",
        "fundraising,seed,deck",
        0,
        300,
    ),
    DemoListing(
        "lucas",
        OFFER,
        "legal",
        "Sales contract templates for SaaS",
        "Order forms, terms and a data processing agreement, drafted with a partner "
        "law firm in Paris.",
        "contracts,saas,gdpr",
        1500,
        3000,
    ),
    DemoListing(
        "ravi",
        OFFER,
        "tax",
        "Transfer pricing notes for Indian subsidiaries",
        "A short memo on transfer pricing for software companies opening an Indian "
        "subsidiary, reviewed by a chartered accountant.",
        "tax,india",
        1200,
        2500,
    ),
    DemoListing(
        "eva",
        OFFER,
        "accounting",
        "Bookkeeping for Czech startups",
        "Monthly bookkeeping and VAT returns for startups in Prague, in English.",
        "bookkeeping,vat,czechia",
        250,
        600,
        False,
    ),
    DemoListing(
        "nora",
        OFFER,
        "photo-video",
        "Product video for engineering teams",
        "Short videos that show how your product works, filmed with the engineers who built it.",
        "video,product",
        3000,
        7000,
        False,
    ),
    DemoListing(
        "leo",
        OFFER,
        "insurance",
        "Cyber insurance questionnaire help",
        "I help you answer cyber insurance questionnaires truthfully and quickly, "
        "with the evidence underwriters ask for.",
        "insurance,security",
        500,
        900,
    ),
    DemoListing(
        "ines",
        OFFER,
        "industrial",
        "Barcode scanners for warehouses, twenty units",
        "Twenty rugged handheld scanners with chargers, replaced by a newer model.",
        "scanners,warehouse",
        60,
        90,
        False,
    ),
    # Requests: what buyers need.
    DemoListing(
        "maya",
        REQUEST,
        "data-analytics",
        "Data observability tool for 300 pipelines",
        "We run about 300 pipelines on Airflow and dbt and want alerts on freshness "
        "and volume before our users notice.\n\n- works with PostgreSQL and "
        "BigQuery\n- self-hosted or EU hosting\n- pricing per pipeline or flat",
        "observability,airflow,dbt",
        10000,
        30000,
    ),
    DemoListing(
        "lena",
        REQUEST,
        "recruiting-services",
        "Recruiter for two senior backend roles",
        "We are hiring two senior backend engineers in Berlin (Kotlin, PostgreSQL). "
        "Looking for a recruiter who knows the local market.",
        "recruiting,berlin,backend",
        8000,
        15000,
        False,
    ),
    DemoListing(
        "priya",
        REQUEST,
        "design",
        "Illustrations for our onboarding screens",
        "Eight illustrations in a consistent style for a logistics app's onboarding.",
        "illustration,onboarding",
        1500,
        3000,
    ),
    DemoListing(
        "dan",
        REQUEST,
        "security",
        "Penetration test before our SOC 2 audit",
        "Web application and API penetration test, report needed by the end of next quarter.",
        "pentest,soc2",
        6000,
        12000,
    ),
    DemoListing(
        "omar",
        REQUEST,
        "translation",
        "Arabic localisation of a dashboard product",
        "About 4,000 strings and the help pages, right-to-left layout checks included.",
        "arabic,localisation,rtl",
        3000,
        6000,
    ),
    DemoListing(
        "nora",
        REQUEST,
        "training",
        "Workshop on writing design documents",
        "A half-day workshop for twenty engineers on writing and reviewing design documents.",
        "writing,engineering,workshop",
        1500,
        3000,
    ),
    DemoListing(
        "yara",
        REQUEST,
        "software",
        "Warehouse management system for three sites",
        "A WMS for three small warehouses, with barcode scanning and an API for our order system.",
        "wms,warehouse,api",
        500,
        2000,
    ),
    DemoListing(
        "kofi",
        REQUEST,
        "accounting",
        "Accountant for a Ghanaian branch",
        "Monthly bookkeeping and annual filings for a small branch in Accra.",
        "accounting,ghana",
        300,
        700,
        False,
    ),
    DemoListing(
        "felix",
        REQUEST,
        "photo-video",
        "Photographer for a customer conference",
        "One day in Munich, about 200 guests, photos of talks and the hallway.",
        "photography,conference,munich",
        1200,
        2000,
        False,
    ),
    DemoListing(
        "mei",
        REQUEST,
        "hardware",
        "Second-hand network switches",
        "Looking for four 48-port managed switches, delivery to Osaka.",
        "switches,networking",
        200,
        600,
        False,
    ),
)

#: (request title, seller key, proposal text, price)
PROPOSALS: tuple[tuple[str, str, str, int | None], ...] = (
    (
        "Data observability tool for 300 pipelines",
        "felix",
        "We host a data observability stack in Germany; freshness and volume checks cover Airflow "
        "and dbt out of the box. Happy to run a two-week trial on ten pipelines.",
        18000,
    ),
    (
        "Data observability tool for 300 pipelines",
        "ben",
        "I can set up open-source checks (Great Expectations and dbt tests) on your pipelines and "
        "hand them over to your team; no licence costs.",
        9000,
    ),
    (
        "Data observability tool for 300 pipelines",
        "ines",
        "I would build alerts on dbt's own artifacts first: they already tell you freshness and "
        "row counts. A week to prototype.",
        None,
    ),
    (
        "Recruiter for two senior backend roles",
        "anna",
        "I placed four backend engineers in Berlin this year. Fixed fee per hire, shortlist in "
        "three weeks.",
        12000,
    ),
    (
        "Penetration test before our SOC 2 audit",
        "felix",
        "Our security team can test the web app and API in two weeks, with a retest of the "
        "findings included.",
        9500,
    ),
    (
        "Arabic localisation of a dashboard product",
        "hugo",
        "I can't do Arabic myself, but I can recommend the agency that localised our lab's tools.",
        None,
    ),
)


def _at(days_ago: float) -> datetime:
    return timezone.now() - timedelta(days=days_ago)


@transaction.atomic
def load_exchange_demo(people: dict[str, Member]) -> int:
    """Create the Exchange's demo data for the demo ``people``; return the listings made.

    Does nothing (and returns 0) when the database already has listings.
    """
    if Listing.objects.exists():
        return 0
    by_title: dict[str, Listing] = {}
    for n, item in enumerate(LISTINGS):
        owner = people[item.owner]
        listing = services.create_listing(
            owner=owner,
            data=services.ListingInput(
                kind=item.kind,
                title=item.title,
                description=item.description,
                category=item.category,
                tags=item.tags,
                price_min=None if item.price_min is None else Decimal(item.price_min),
                price_max=None if item.price_max is None else Decimal(item.price_max),
                currency="EUR",
                remote=item.remote,
                location="" if item.remote else owner.location,
            ),
            publish=True,
            # Spread over the last three weeks, newest last in the table.
            now=_at(21 - n * 20 / len(LISTINGS)),
        )
        by_title[item.title] = listing

    for title, seller, text, price in PROPOSALS:
        services.propose(
            request=by_title[title],
            seller=people[seller],
            text=text,
            price=None if price is None else Decimal(price),
        )

    # One engagement, finished and reviewed both ways.
    offer = by_title["Freelance data engineering, two days a week"]
    maya, ben = people["maya"], people["ben"]
    engagement = services.express_interest(
        listing=offer,
        buyer=maya,
        text="Hi Ben, we need help moving our nightly loads to incremental models for about a "
        "month. Would two days a week from the 1st work for you?",
    )
    services.complete_engagement(engagement=engagement, by=maya)
    services.complete_engagement(engagement=engagement, by=ben)
    services.write_review(
        engagement=engagement,
        by=maya,
        stars=5,
        text="Ben cut our nightly load from three hours to forty minutes and documented "
        "everything he touched.",
    )
    services.write_review(
        engagement=engagement, by=ben, stars=5, text="Clear brief, quick answers, paid on time."
    )

    params, _ = SearchParams.from_mapping({"q": "data", "remote": "yes"})
    services.save_search(owner=maya, name="Remote data work", params=params)
    return len(by_title)
