"""Cues: classes of phrases that mark a pitch (or a solicited message), in nine languages.

The cues serve twice:

- as **features** of the text model. Every class is one hashed feature ("this message asks
  for a call"), so a Swedish "boka ett samtal" and an English "book a call" light the same
  feature, and what the model learned on English pitches carries over to other languages;
- as **readable reasons** ("mentions pricing and asks for a call or demo").

Matching is a keyword scan over the words of the *normalised* text (lower-cased, URLs
turned into domains, amounts into ``[money]``, disguises undone), done for a whole batch at
once in :mod:`pitchless.guard._features`: each phrase of one to four words, or a word
prefix ending in ``*``, is a 64-bit hash of its code points, looked up in a sorted array.
There is no regular expression and no per-message Python loop, so the cost is linear in the
text and a few microseconds per message.

The lexicon lives here, in code; a model file holds only the weight of each class's hashed
feature, never a phrase.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CUE_CLASSES",
    "CUE_VERSION",
    "NEGATIVE_CUES",
    "PITCH_CUES",
    "Cues",
    "cue_counts",
    "find_cues",
    "lexicon_entries",
]

#: Bumped whenever the lexicon changes; a model records the version it was trained with.
CUE_VERSION = 4

# fmt: off
_LEXICON: dict[str, tuple[str, ...]] = {
    # -- pitch-side classes ----------------------------------------------------------------
    "pricing": (
        "[money]", "price", "prices", "pricing", "priced", "discount", "discounts",
        "discounted", "affordable",
        "cost effective", "per month", "a month", "month plan", "per user", "quote",
        "subscription", "plans start", "starts at", "starting at", "budget friendly",
        "precio", "precios", "descuento", "descuentos", "tarifa", "tarifas", "al mes", "por mes",
        "preço", "preços", "desconto", "descontos", "mensalidade",
        "prix", "tarif", "tarifs", "remise", "réduction", "par mois",
        "preis", "preise", "rabatt", "pro monat", "monatlich",
        "pris", "priser", "rabatt", "per månad", "kostnad",
        "prijs", "prijzen", "korting", "per maand",
        "prezzo", "prezzi", "sconto", "al mese",
        "kam price", "sasta", "sasti",
    ),
    "free_offer": (
        "free trial", "for free", "free consultation", "free demo", "free audit",
        "free session", "free strategy", "free sample", "free of charge", "no cost",
        "no obligation", "complimentary", "trial",
        "gratis", "gratuito", "gratuita", "prueba gratuita", "sin costo", "sin compromiso",
        "grátis", "teste grátis", "sem custo", "sem compromisso",
        "gratuit", "gratuite", "essai gratuit", "sans engagement",
        "kostenlos", "kostenlose", "kostenlosen", "unverbindlich", "testversion",
        "kostnadsfri", "kostnadsfritt", "kostnadsfria", "utan kostnad",
        "gratis proefperiode", "vrijblijvend", "kosteloos",
        "prova gratuita", "senza impegno",
        "bilkul free", "free mein", "muft",
    ),
    "call_demo": (
        "demo", "demos", "a demo", "quick call", "short call", "brief call", "quick chat",
        "short chat", "quick zoom", "zoom call", "a call", "discovery call", "intro call",
        "book a", "schedule a", "set up a", "hop on", "jump on", "a meeting",
        "your calendar", "a slot", "time slot", "15 min", "15 mins", "15 minute",
        "15 minutes", "10 minute", "10 minutes", "20 minute", "20 minutes", "30 minute",
        "30 minutes", "5 minutes", "calendly",
        "llamada", "una llamada", "reunión", "videollamada", "agendar", "15 minutos",
        "una demo", "demostración",
        "chamada", "reunião", "uma demonstração", "bate papo",
        "un appel", "appel", "rendez vous", "démo", "démonstration", "visio", "15 minutes",
        "anruf", "termin", "gespräch", "telefonat", "kurzes", "15 minuten", "vorführung",
        "samtal", "möte", "boka", "ett samtal", "15 minuter", "kort samtal",
        "gesprek", "afspraak", "bellen", "kort gesprek", "15 minuten",
        "chiamata", "incontro", "una call", "15 minuti", "dimostrazione",
        "call karte", "baat karte", "call pe", "call par", "milte hain",
    ),
    "offer_service": (
        "we offer", "we provide", "we help", "we specialize", "we specialise",
        "we deliver", "we build", "we design", "we develop", "we can help", "we have helped",
        "we've helped", "our services", "our service", "our solution", "our solutions",
        "our platform", "our product", "our products", "our agency", "our team can",
        "our software", "our tool", "our app", "our company offers", "our firm",
        "i offer", "i provide", "i help", "i can help you", "let us help", "outsourcing",
        "outsource", "lead generation", "white label", "seo", "web development",
        "digital marketing", "app development", "software development", "our expertise",
        "our clients", "our offering", "services include",
        "ofrecemos", "nuestros servicios", "nuestra plataforma", "nuestra empresa",
        "nuestra solución", "ayudamos", "brindamos", "nuestro software",
        "oferecemos", "nossos serviços", "nossa plataforma", "ajudamos", "nossa empresa",
        "nossa solução",
        "nous proposons", "nous offrons", "nos services", "notre plateforme",
        "nous aidons", "notre solution", "notre agence", "notre logiciel",
        "wir bieten", "unsere dienstleistungen", "unsere plattform", "unsere lösung",
        "wir helfen", "unsere agentur", "unsere software", "unser team",
        "vi erbjuder", "våra tjänster", "vår plattform", "vi hjälper", "vår lösning",
        "vår byrå", "vårt verktyg",
        "wij bieden", "we bieden", "onze diensten", "ons platform", "wij helpen",
        "we helpen", "onze oplossing", "ons bureau",
        "offriamo", "nostri servizi", "nostra piattaforma", "aiutiamo",
        "nostra soluzione", "nostra agenzia",
        "hum provide", "hamari company", "hamari services", "hum help", "hamara platform",
        "hum offer",
    ),
    "like_yours": (
        "like yours", "leaders like", "managers like", "professionals like",
        "companies like", "businesses like", "brands like", "teams like", "firms like",
        "founders like", "organisations like", "organizations like", "esteemed organisation",
        "esteemed organization", "esteemed company", "your organisation", "your organization",
        "your company", "your business", "your team", "your brand",
        "como la suya", "como la tuya", "su empresa", "tu empresa", "su negocio",
        "como a sua", "sua empresa", "seu negócio",
        "comme la vôtre", "comme le vôtre", "votre entreprise", "votre société",
        "wie ihres", "wie ihre", "ihr unternehmen", "ihrem unternehmen", "ihres unternehmens",
        "som ert", "som ditt", "ert företag", "ditt företag", "er verksamhet",
        "zoals het uwe", "zoals jouw", "uw bedrijf", "jouw bedrijf", "je bedrijf",
        "come la tua", "come la vostra", "vostra azienda", "tua azienda",
        "aapki company", "aapke business", "aapka business",
    ),
    "results": (
        "increase your", "boost your", "grow your", "scale your", "cut costs", "cut your",
        "reduce costs", "reduce your", "save time", "save money", "roi", "revenue",
        "more leads", "qualified leads", "more clients", "more customers", "more sales",
        "guaranteed", "results", "conversions", "sales pipeline", "hiring costs",
        "aumentar sus", "más clientes", "más ventas", "sus ventas", "resultados",
        "mais clientes", "suas vendas", "aumentar suas", "resultados garantidos",
        "plus de clients", "vos ventes", "augmenter votre", "résultats",
        "mehr kunden", "ihren umsatz", "umsatz", "steigern", "ergebnisse",
        "fler kunder", "öka er", "öka din", "försäljning", "resultat",
        "meer klanten", "uw omzet", "omzet", "verhogen", "resultaten",
        "più clienti", "vostre vendite", "aumentare", "risultati",
        "sales badhao", "profit badhao", "double karo",
    ),
    "booking_link": (
        "calendly com", "cal com", "bit ly", "tinyurl com", "wa me", "t me", "linktr ee",
        "meetings hubspot", "zcal co", "savvycal com", "forms gle", "typeform com",
        "youtube com", "youtu be", "chat whatsapp", "lnkd in", "rebrand ly", "cutt ly",
        "shorturl at", "tidycal com", "acuityscheduling com", "hubspot com",
        "ow ly", "buff ly", "is gd", "goo gl", "rb gy", "instagram com", "fb me",
    ),
    "cta": (
        "sign up", "signup", "register", "register now", "click here", "click the link",
        "visit", "reply yes", "let me know if", "interested", "would you be open",
        "are you open", "open to a", "worth a", "can i send", "shall i send", "apply now",
        "grab your", "claim your", "learn more", "check out", "check it out",
        "check this out", "don't miss", "dont miss", "get started", "join now",
        "book now", "buy now", "order now", "get yours", "link below", "link in",
        "regístrate", "registrate", "haz clic", "reserva", "agenda", "le interesa",
        "te interesa", "estaría abierto", "estarías abierto", "más información",
        "inscreva se", "clique", "agende", "tem interesse", "teria interesse",
        "saiba mais", "garanta",
        "inscrivez vous", "cliquez", "réservez", "seriez vous", "intéressé",
        "intéressée", "en savoir plus",
        "melden sie sich", "klicken sie", "buchen sie", "hätten sie", "interesse",
        "mehr erfahren", "jetzt",
        "anmäl dig", "klicka", "intresserad", "skulle du vara", "läs mer", "boka här",
        "schrijf je in", "klik", "boek", "zou je open", "meer weten", "lees meer",
        "iscriviti", "clicca", "prenota", "interessato", "interessata", "saresti",
        "scopri di più",
        "interested ho", "register karo", "click karo", "join karo", "abhi", "jaldi",
        "link pe", "link par",
    ),
    "subscribe": (
        "subscribe", "subscribed", "subscribing", "subscriber", "subscribers",
        "subscription", "subscriptions", "my channel", "our channel", "follow my",
        "follow our", "join my",
        "join our", "like and share", "my page", "our page", "whatsapp group",
        "telegram", "my podcast", "my newsletter", "our newsletter", "my youtube",
        "suscríbete", "suscribete", "mi canal", "sígueme", "únete", "unete",
        "meu canal", "inscreva", "siga", "participe do grupo",
        "abonnez", "ma chaîne", "notre chaîne", "rejoignez",
        "abonniere", "abonnieren", "abonniert", "meinen kanal", "unserer gruppe", "folgen sie",
        "prenumerera", "min kanal", "följ", "gå med i",
        "abonneer", "mijn kanaal", "volg", "word lid",
        "mio canale", "seguimi", "unisciti",
        "channel ko", "mera channel", "mere channel", "group join",
    ),
    "investment": (
        "invest", "invested", "investing", "investment", "investments", "investor",
        "investors", "returns", "profit", "profits", "trading", "forex", "crypto",
        "bitcoin", "passive income", "earn", "earning", "earnings", "income",
        "financial freedom", "loan", "loans", "mlm", "business opportunity", "franchise",
        "dividend", "dividends", "portfolio", "funding", "capital",
        "inversión", "invertir", "rendimientos", "ganancias", "ingresos pasivos",
        "préstamo", "préstamos", "oportunidad de negocio",
        "investimento", "investir", "lucro", "renda passiva", "empréstimo",
        "investissement", "rendement", "revenu passif", "prêt",
        "investition", "rendite", "passives einkommen", "kredit",
        "investering", "avkastning", "passiv inkomst", "lån",
        "passief inkomen", "lening",
        "rendimento", "reddito passivo", "prestito", "guadagno", "guadagnare",
        "paisa kamao", "ghar baithe", "kamai", "kamayein",
    ),
    "course": (
        "course", "courses", "certificate", "certificates", "certification", "certifications",
        "certified", "enrol", "enroll", "enrolment", "enrollment", "enrolled", "enrolling",
        "masterclass", "webinar", "bootcamp",
        "degree", "mba", "training program", "admission", "admissions", "scholarship",
        "curriculum", "diploma", "tuition", "online program", "workshop", "cohort",
        "curso", "cursos", "inscripción", "matrícula", "maestría", "taller",
        "certificação", "inscrição", "pós graduação",
        "formation", "formations", "inscription", "atelier",
        "kurs", "kurse", "kursen", "zertifizierung", "weiterbildung", "schulung",
        "utbildning", "utbildningen", "certifiering",
        "cursus", "opleiding", "training", "certificering",
        "corso", "corsi", "certificazione", "iscrizione", "master",
        "course join", "admission lo",
    ),
    "event": (
        "summit", "conference", "tickets", "ticket", "event", "expo", "live session",
        "evento", "conferencia", "cumbre", "entradas",
        "conferência", "ingressos",
        "événement", "conférence", "billets",
        "veranstaltung", "konferenz", "tickets",
        "evenemang", "konferens", "biljetter",
        "evenement", "congres",
        "conferenza", "biglietti",
    ),
    "urgency": (
        "limited time", "limited offer", "only today", "this week only", "last chance",
        "hurry", "spots left", "seats left", "exclusive offer", "special offer",
        "offer", "offers", "deal", "promo", "promotion", "act now", "expires",
        "oferta", "ofertas", "tiempo limitado", "oferta especial", "última oportunidad",
        "promoção", "oferta exclusiva", "vagas limitadas",
        "offre", "offre spéciale", "dernière chance", "places limitées",
        "angebot", "sonderangebot", "begrenzt", "nur heute",
        "erbjudande", "begränsat", "sista chansen",
        "aanbieding", "aanbod", "beperkt", "laatste kans",
        "offerta", "offerta speciale", "ultima occasione", "posti limitati",
        "offer hai", "limited seats",
    ),
    "merge_field": ("[merge]",),
    "contact": (
        "[phone]", "[email]", "whatsapp", "dm me", "contact me", "call me", "email me",
        "reach me", "text me", "inbox me", "escríbeme", "contáctame", "me chame",
        "contactez moi", "kontaktieren sie", "kontakta mig", "neem contact", "contattami",
    ),
    # -- classes that speak for a solicited or non-commercial message --------------------------
    "your_application": (
        "your application", "you applied", "thank you for applying", "thanks for applying",
        "applied for", "your candidacy", "your cv", "your resume", "your résumé",
        "your interest in", "received your", "application for", "applying to",
        "su solicitud", "tu solicitud", "su candidatura", "tu candidatura",
        "su postulación", "tu postulación", "postulaste", "aplicaste",
        "sua candidatura", "seu currículo", "sua inscrição", "você se candidatou",
        "votre candidature", "ta candidature", "votre cv", "avez postulé",
        "ihre bewerbung", "deine bewerbung", "beworben",
        "din ansökan", "er ansökan", "ansökan", "sökt tjänsten", "ditt cv",
        "je sollicitatie", "uw sollicitatie", "gesolliciteerd", "jouw sollicitatie",
        "la tua candidatura", "la sua candidatura", "sua candidatura", "tuo cv",
        "aapki application", "aapne apply",
    ),
    "interview": (
        "interview", "interviews", "interviewing", "next round", "hiring manager",
        "assessment", "availability for", "entrevista", "entrevistas", "entretien",
        "vorstellungsgespräch", "intervju", "intervjun", "sollicitatiegesprek",
        "colloquio", "interview schedule",
    ),
    "job_offer": (
        "we are hiring", "we're hiring", "were hiring", "job opportunity", "opportunity",
        "opportunities", "position", "role", "vacancy", "opening", "your profile",
        "your experience", "full time", "remote role", "salary", "candidate",
        "recruiting", "recruiter", "hiring", "job description", "jd", "contract role",
        "permanent role", "compensation", "headhunter", "headhunting", "your background",
        "oportunidad laboral", "vacante", "puesto", "tu perfil", "su perfil",
        "oportunidade", "vaga", "seu perfil", "poste", "offre d'emploi", "votre profil",
        "stelle", "stellenangebot", "ihr profil", "position bei",
        "tjänst", "tjänsten", "rollen", "din profil", "rekryterar", "rekrytering", "rekryterare",
        "vacature", "functie", "je profiel", "uw profiel",
        "posizione", "offerta di lavoro", "tuo profilo", "ruolo",
        "job hai", "opening hai",
    ),
    "job_seeking": (
        "looking for a job", "looking for job", "looking for an opportunity",
        "looking for opportunities", "looking for a new", "referral", "refer me",
        "any openings", "open positions", "internship", "job search", "my cv",
        "my resume", "fresher", "kindly assist", "help me get", "seeking a",
        "seeking employment", "job seeker", "i am available", "i'm available",
        "busco trabajo", "busco empleo", "empleo", "mi cv", "mi currículum",
        "procuro emprego", "procurando emprego", "meu currículo", "estágio",
        "je cherche", "cherche un emploi", "mon cv", "stage",
        "ich suche", "praktikum", "meinen lebenslauf", "lebenslauf",
        "söker jobb", "söker arbete", "praktikplats", "mitt cv",
        "ik zoek", "mijn cv", "werk zoek",
        "cerco lavoro", "tirocinio", "mio cv",
        "naukri", "job chahiye", "job dilwa", "refer kar",
    ),
    "social": (
        "happy birthday", "congratulations", "congrats", "work anniversary",
        "new job", "new role", "new position", "well deserved", "best wishes",
        "feliz cumpleaños", "felicidades", "felicitaciones", "enhorabuena",
        "parabéns", "feliz aniversário", "joyeux anniversaire", "félicitations",
        "alles gute", "herzlichen glückwunsch", "glückwunsch", "grattis",
        "gratulerar", "gefeliciteerd", "van harte", "buon compleanno",
        "congratulazioni", "auguri", "janamdin", "badhai", "mubarak",
    ),
    "greeting": (
        "thanks for connecting", "thank you for connecting", "nice to connect",
        "pleasure to connect", "glad to connect", "great to connect", "thanks for the add",
        "thanks for accepting", "gracias por conectar", "obrigado por conectar",
        "merci pour la connexion", "danke für die vernetzung", "tack för kontakten",
        "bedankt voor het connecten", "grazie per il collegamento",
    ),
    "research": (
        "survey", "podcast guest", "research", "study", "thesis", "questionnaire",
        "dissertation", "academic", "student", "encuesta", "investigación", "tesis",
        "pesquisa", "questionário", "enquête", "thèse", "umfrage", "studie",
        "abschlussarbeit", "enkät", "undersökning", "uppsats", "onderzoek", "scriptie",
        "sondaggio", "ricerca", "tesi",
    ),
}
# fmt: on

#: Cue classes in their fixed order (the order is part of the feature layout).
CUE_CLASSES: tuple[str, ...] = tuple(_LEXICON)
#: Classes that speak for a pitch; the rest speak for a solicited or personal message.
PITCH_CUES: tuple[str, ...] = CUE_CLASSES[: CUE_CLASSES.index("your_application")]
NEGATIVE_CUES: tuple[str, ...] = CUE_CLASSES[len(PITCH_CUES) :]


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    )


def lexicon_entries() -> list[tuple[int, str]]:
    """``(class index, phrase)`` for every lexicon entry, accent-free spellings added."""
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    for k, name in enumerate(CUE_CLASSES):
        for phrase in _LEXICON[name]:
            for variant in (phrase, _strip_accents(phrase)):
                key = variant.lower()
                # A phrase listed in two classes keeps the first (earlier classes are the
                # more specific); the lookup table holds one class per phrase.
                if key in seen:
                    continue
                seen.add(key)
                out.append((k, key))
    return out


# How the readable reason names each pitch cue (in the order they are said).
_SENTENCES: dict[str, str] = {
    "pricing": "mentions pricing",
    "free_offer": "offers something free",
    "call_demo": "asks for a call or demo",
    "offer_service": "offers a product or service",
    "like_yours": "addresses you as a prospect",
    "results": "promises business results",
    "booking_link": "links to a booking or short link",
    "subscribe": "asks you to subscribe, follow or join",
    "investment": "talks about investment or earnings",
    "course": "promotes a course or programme",
    "event": "promotes an event",
    "urgency": "makes a special offer",
    "merge_field": "contains an unfilled mail-merge field",
}


@dataclass(frozen=True, slots=True)
class Cues:
    """The cue classes found in one message, in the fixed class order."""

    names: tuple[str, ...]

    def sentence(self) -> str | None:
        """A short clause such as "mentions pricing and asks for a call or demo", or ``None``.

        Only pitch-side cues are said; at most four, so the reason stays readable.
        """
        parts = [_SENTENCES[n] for n in self.names if n in _SENTENCES][:4]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return ", ".join(parts[:-1]) + " and " + parts[-1]

    @property
    def refers_to_application(self) -> bool:
        """True when the text speaks of the recipient's own application or interview."""
        return "your_application" in self.names


def cue_counts(normalized_texts: Sequence[str]) -> list[dict[str, int]]:
    """How often each cue class occurs in each (already normalised) text."""
    from pitchless.guard._features import cue_matrix

    matrix = cue_matrix(list(normalized_texts))
    return [
        {CUE_CLASSES[k]: int(row[k]) for k in range(len(CUE_CLASSES)) if row[k]} for row in matrix
    ]


def find_cues(text: str, subject: str = "", *, max_chars: int = 20_000) -> Cues:
    """The cue classes of a raw message (normalised here, reading at most ``max_chars``)."""
    from pitchless.guard._normalize import normalize

    return cues_of_normalized(normalize(text, subject, max_chars=max_chars).text)


def cues_of_normalized(normalized_text: str) -> Cues:
    """The cue classes of one already normalised text."""
    found = cue_counts([normalized_text])[0]
    return Cues(tuple(name for name in CUE_CLASSES if name in found))
