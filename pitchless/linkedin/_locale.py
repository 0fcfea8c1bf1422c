"""Column names, month names and cell values of LinkedIn exports, in the languages it writes.

LinkedIn writes an export in the member's interface language: headers such as
``Vorname,Nachname,Verbunden am`` and dates such as ``12 mars 2023``. Every header is mapped to
one canonical (English, lower-case) column through the tables below, and every month name or
abbreviation to its number. The tables cover English, German, French, Spanish, Portuguese,
Italian, Dutch and Swedish; they come from LinkedIn's interface wording and other parsers'
fixtures, not from a published schema, so matching is deliberately loose (case, accents,
hyphens and spacing are ignored).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_SEPARATORS = re.compile(r"[\s_\-.:/’'()]+")


def fold(text: str) -> str:
    """Lower case, accents removed: ``"Prénom"`` -> ``"prenom"``."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lstrip("\ufeff"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def header_key(cell: str) -> str:
    """A header cell reduced to compare with the synonym tables (``"E-Mail-Adresse"`` ->
    ``"e mail adresse"``)."""
    return " ".join(_SEPARATORS.sub(" ", fold(cell)).split())


def _table(entries: dict[str, Iterable[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, synonyms in entries.items():
        for s in (canonical, *synonyms):
            out.setdefault(header_key(s), canonical)
    return out


#: Canonical column -> the header cells seen or expected for it, per file kind.
MESSAGE_COLUMNS = _table(
    {
        "conversation id": (
            "Konversations-ID",
            "Unterhaltungs-ID",
            "ID de la conversation",
            "ID de conversation",
            "ID de la conversación",
            "ID da conversa",
            "ID conversazione",
            "ID della conversazione",
            "Gespreks-ID",
            "Konversations-id",
        ),
        "conversation title": (
            "Konversationstitel",
            "Titel der Unterhaltung",
            "Titre de la conversation",
            "Título de la conversación",
            "Título da conversa",
            "Titolo conversazione",
            "Titolo della conversazione",
            "Gesprekstitel",
            "Konversationens titel",
        ),
        "from": ("Von", "De", "Da", "Van", "Från", "Absender", "Expéditeur", "Remitente"),
        "sender profile url": (
            "Profil-URL des Absenders",
            "URL du profil de l'expéditeur",
            "URL del perfil del remitente",
            "URL do perfil do remetente",
            "URL profilo mittente",
            "URL del profilo del mittente",
            "Profiel-URL afzender",
            "Avsändarens profil-URL",
        ),
        "to": ("An", "À", "A", "Para", "Aan", "Till", "Empfänger", "Destinataire"),
        "recipient profile urls": (
            "recipient profile url",
            "Profil-URLs der Empfänger",
            "URL des profils des destinataires",
            "URL de los perfiles de los destinatarios",
            "URLs dos perfis dos destinatários",
            "URL profili destinatari",
            "URL dei profili dei destinatari",
            "Profiel-URL's ontvangers",
            "Mottagarnas profil-URL:er",
        ),
        "date": ("Datum", "Date", "Fecha", "Data", "Sent At"),
        "subject": (
            "Betreff",
            "Objet",
            "Sujet",
            "Asunto",
            "Assunto",
            "Oggetto",
            "Onderwerp",
            "Ämne",
        ),
        "content": (
            "Inhalt",
            "Nachricht",
            "Contenu",
            "Message",
            "Contenido",
            "Mensaje",
            "Conteúdo",
            "Mensagem",
            "Contenuto",
            "Messaggio",
            "Inhoud",
            "Bericht",
            "Innehåll",
            "Meddelande",
        ),
        "folder": ("Ordner", "Dossier", "Carpeta", "Pasta", "Cartella", "Map", "Mapp"),
        "direction": ("Richtung", "Dirección", "Direção", "Direzione", "Richting", "Riktning"),
        "is message draft": (
            "Ist Nachrichtenentwurf",
            "Nachrichtenentwurf",
            "Brouillon de message",
            "Borrador de mensaje",
            "Rascunho de mensagem",
            "Bozza del messaggio",
            "Conceptbericht",
            "Meddelandeutkast",
        ),
        "is conversation draft": (
            "Ist Konversationsentwurf",
            "Brouillon de conversation",
            "Borrador de conversación",
            "Rascunho de conversa",
            "Bozza della conversazione",
            "Conceptgesprek",
            "Konversationsutkast",
        ),
        "is conversation archived": (),
        "attachments": (
            "Anhänge",
            "Pièces jointes",
            "Archivos adjuntos",
            "Adjuntos",
            "Anexos",
            "Allegati",
            "Bijlagen",
            "Bilagor",
        ),
    }
)

CONNECTION_COLUMNS = _table(
    {
        "first name": (
            "Vorname",
            "Prénom",
            "Nombre",
            "Nome",
            "Primeiro nome",
            "Voornaam",
            "Förnamn",
            "Firstname",
        ),
        "last name": (
            "Nachname",
            "Nom",
            "Nom de famille",
            "Apellidos",
            "Apellido",
            "Sobrenome",
            "Último nome",
            "Cognome",
            "Achternaam",
            "Efternamn",
            "Surname",
            "Lastname",
        ),
        "name": (
            "Full Name",
            "Vollständiger Name",
            "Nom complet",
            "Nombre completo",
            "Nome completo",
            "Volledige naam",
            "Naam",
            "Namn",
            "Fullständigt namn",
        ),
        "url": (
            "Profile URL",
            "LinkedIn URL",
            "Profil-URL",
            "URL du profil",
            "URL del perfil",
            "URL do perfil",
            "URL del profilo",
            "Profiel-URL",
            "Profillänk",
        ),
        "email address": (
            "Email",
            "E-mail",
            "E-Mail-Adresse",
            "Adresse e-mail",
            "Adresse email",
            "Dirección de correo electrónico",
            "Correo electrónico",
            "Endereço de e-mail",
            "Indirizzo email",
            "Indirizzo e-mail",
            "E-mailadres",
            "E-postadress",
        ),
        "company": (
            "Unternehmen",
            "Firma",
            "Entreprise",
            "Société",
            "Empresa",
            "Azienda",
            "Bedrijf",
            "Företag",
            "Organization",
        ),
        "position": (
            "Title",
            "Job Title",
            "Poste",
            "Intitulé du poste",
            "Cargo",
            "Puesto",
            "Posizione",
            "Ruolo",
            "Functie",
            "Befattning",
            "Titel",
            "Roll",
        ),
        "connected on": (
            "Connected",
            "Date Connected",
            "Connection Date",
            "Verbunden am",
            "Vernetzt am",
            "Vernetzt seit",
            "Date de connexion",
            "Connecté le",
            "Connecté(e) le",
            "Relation depuis le",
            "Conectado el",
            "Conectado/a el",
            "Fecha de conexión",
            "Conectado em",
            "Data de conexão",
            "Collegato il",
            "Collegamento il",
            "Data di collegamento",
            "Verbonden op",
            "Connectie sinds",
            "Ansluten",
            "Ansluten den",
            "Kontakt sedan",
        ),
    }
)

INVITATION_COLUMNS = _table(
    {
        "from": ("Von", "De", "Da", "Van", "Från"),
        "to": ("An", "À", "A", "Para", "Aan", "Till"),
        "sent at": (
            "Sent",
            "Date",
            "Gesendet am",
            "Datum",
            "Envoyée le",
            "Envoyé le",
            "Date d'envoi",
            "Enviada el",
            "Enviado el",
            "Fecha de envío",
            "Fecha",
            "Enviado em",
            "Data de envio",
            "Inviato il",
            "Data di invio",
            "Data",
            "Verzonden op",
            "Skickad",
            "Skickat",
        ),
        "message": ("Nachricht", "Mensaje", "Mensagem", "Messaggio", "Bericht", "Meddelande"),
        "direction": ("Richtung", "Dirección", "Direção", "Direzione", "Richting", "Riktning"),
        "inviterprofileurl": ("inviter profile url", "inviterProfileURL"),
        "inviteeprofileurl": ("invitee profile url", "inviteeProfileURL"),
        "inviterprofileurn": ("inviter profile urn", "inviterUrn"),
        "inviteeprofileurn": ("invitee profile urn", "inviteeUrn"),
    }
)

PROFILE_COLUMNS = _table(
    {
        "first name": ("Vorname", "Prénom", "Nombre", "Nome", "Voornaam", "Förnamn"),
        "last name": (
            "Nachname",
            "Nom",
            "Nom de famille",
            "Apellidos",
            "Sobrenome",
            "Cognome",
            "Achternaam",
            "Efternamn",
        ),
        "public profile url": ("Profile URL", "URL"),
    }
)

COLUMNS = {
    "messages": MESSAGE_COLUMNS,
    "connections": CONNECTION_COLUMNS,
    "invitations": INVITATION_COLUMNS,
    "profile": PROFILE_COLUMNS,
}

#: The columns a kind's file cannot be read without (any one of each group suffices).
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "messages": (("from", "sender profile url"), ("date",), ("content",)),
    "connections": (("first name", "last name", "name", "url"),),
    "invitations": (("from", "inviterprofileurl", "inviterprofileurn"), ("to",)),
    "profile": (("first name", "last name"),),
}

#: The columns of the newest layout of each kind, to say which ones a file lacks.
EXPECTED: dict[str, tuple[str, ...]] = {
    "messages": (
        "conversation id",
        "conversation title",
        "from",
        "sender profile url",
        "to",
        "recipient profile urls",
        "date",
        "subject",
        "content",
        "folder",
    ),
    "connections": (
        "first name",
        "last name",
        "url",
        "email address",
        "company",
        "position",
        "connected on",
    ),
    "invitations": (
        "from",
        "to",
        "sent at",
        "message",
        "direction",
        "inviterprofileurl",
        "inviteeprofileurl",
    ),
    "profile": ("first name", "last name"),
}


def map_header(kind: str, cells: list[str]) -> dict[str, int]:
    """Canonical column -> index for a header row; unknown cells are left out.

    When two cells map to one column (a file with both ``URL`` and ``Profile URL``), the
    first wins.
    """
    table = COLUMNS[kind]
    out: dict[str, int] = {}
    for i, cell in enumerate(cells):
        canonical = table.get(header_key(cell))
        if canonical is None:
            canonical = _by_keywords(kind, header_key(cell))
        if canonical is not None and canonical not in out:
            out[canonical] = i
    return out


_SENDER_WORDS: tuple[str, ...] = ("sender", "absender", "expediteur", "remitente", "remetente")
_SENDER_WORDS += ("mittente", "afzender", "avsandar")
_RECIPIENT_WORDS = ("recipient", "empfanger", "destinatari", "ontvanger", "mottagar")


def _by_keywords(kind: str, key: str) -> str | None:
    """Looser rules for long, wordy headers whose exact translation varies."""
    if kind == "messages" and "url" in key:
        if any(w in key for w in _SENDER_WORDS):
            return "sender profile url"
        if any(w in key for w in _RECIPIENT_WORDS):
            return "recipient profile urls"
    if kind == "invitations":
        squeezed = key.replace(" ", "")
        for canonical in (
            "inviterprofileurl",
            "inviteeprofileurl",
            "inviterprofileurn",
            "inviteeprofileurn",
        ):
            if squeezed == canonical:
                return canonical
    return None


def header_fits(kind: str, header: dict[str, int]) -> bool:
    """True when ``header`` has every column ``kind`` needs."""
    return all(any(c in header for c in group) for group in REQUIRED[kind])


# --- cell values -------------------------------------------------------------------------

_INCOMING = (
    "incoming inbound received in eingehend erhalten empfangen entrant entrante recue recu "
    "recibida recibido recebido recebida entrada ricevuto ricevuta inkomend ontvangen "
    "inkommande mottagen mottagna"
)
_OUTGOING = (
    "outgoing outbound sent out ausgehend gesendet sortant sortante envoyee envoye enviada "
    "enviado saliente saida inviato inviata uitgaand verzonden utgaende skickad skickade skickat"
)
DIRECTIONS: dict[str, str] = {w: "INCOMING" for w in _INCOMING.split()}
DIRECTIONS.update({w: "OUTGOING" for w in _OUTGOING.split()})
DIRECTIONS["in arrivo"] = "INCOMING"
DIRECTIONS["in uscita"] = "OUTGOING"

#: FOLDER values that hold only the owner's own messages (the 2018 layout's ``SENT``).
SENT_FOLDERS = frozenset(
    [
        "sent",
        "sent items",
        "sent messages",
        "gesendet",
        "gesendete",
        "envoyes",
        "envoyees",
        "elements envoyes",
        "enviados",
        "enviadas",
        "inviati",
        "posta inviata",
        "verzonden",
        "skickade",
        "skickat",
    ]
)

#: Cell values meaning "yes" (``IS MESSAGE DRAFT``).
YES = frozenset(["yes", "y", "true", "1", "ja", "oui", "si", "sim", "vero", "waar"])


def direction_of(value: str) -> str | None:
    """``"INCOMING"``, ``"OUTGOING"`` or ``None`` for an invitation or message direction."""
    return DIRECTIONS.get(" ".join(fold(value).split()))


# --- month names --------------------------------------------------------------------------

_MONTHS_BY_LANGUAGE: dict[str, tuple[str, ...]] = {
    # one string per month: every full name and abbreviation, space separated
    "en": (
        "january jan",
        "february feb",
        "march mar",
        "april apr",
        "may",
        "june jun",
        "july jul",
        "august aug",
        "september sep sept",
        "october oct",
        "november nov",
        "december dec",
    ),
    "de": (
        "januar janner jan",
        "februar feber feb",
        "marz mar mrz",
        "april apr",
        "mai",
        "juni jun",
        "juli jul",
        "august aug",
        "september sep sept",
        "oktober okt",
        "november nov",
        "dezember dez",
    ),
    "fr": (
        "janvier janv jan",
        "fevrier fevr fev",
        "mars mar",
        "avril avr",
        "mai",
        "juin",
        "juillet juil juill",
        "aout",
        "septembre sept sep",
        "octobre oct",
        "novembre nov",
        "decembre dec",
    ),
    "es": (
        "enero ene",
        "febrero feb",
        "marzo mar",
        "abril abr",
        "mayo may",
        "junio jun",
        "julio jul",
        "agosto ago",
        "septiembre setiembre sep sept set",
        "octubre oct",
        "noviembre nov",
        "diciembre dic",
    ),
    "pt": (
        "janeiro jan",
        "fevereiro fev",
        "marco mar",
        "abril abr",
        "maio mai",
        "junho jun",
        "julho jul",
        "agosto ago",
        "setembro set",
        "outubro out",
        "novembro nov",
        "dezembro dez",
    ),
    "it": (
        "gennaio gen",
        "febbraio feb",
        "marzo mar",
        "aprile apr",
        "maggio mag",
        "giugno giu",
        "luglio lug",
        "agosto ago",
        "settembre set",
        "ottobre ott",
        "novembre nov",
        "dicembre dic",
    ),
    "nl": (
        "januari jan",
        "februari feb",
        "maart mrt mar",
        "april apr",
        "mei",
        "juni jun",
        "juli jul",
        "augustus aug",
        "september sep sept",
        "oktober okt",
        "november nov",
        "december dec",
    ),
    "sv": (
        "januari jan",
        "februari feb",
        "mars mar",
        "april apr",
        "maj",
        "juni jun",
        "juli jul",
        "augusti aug",
        "september sep sept",
        "oktober okt",
        "november nov",
        "december dec",
    ),
}


def _month_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for language, months in _MONTHS_BY_LANGUAGE.items():
        for number, words in enumerate(months, start=1):
            for word in words.split():
                known = table.setdefault(word, number)
                if known != number:  # pragma: no cover - guarded by a test of the table
                    raise ValueError(f"month name {word!r} ({language}) is ambiguous")
    return table


#: Folded month name or abbreviation -> month number, for every language above.
MONTHS = _month_table()
LANGUAGES = tuple(_MONTHS_BY_LANGUAGE)
