"""Who the account owner is, from every source the export offers, with how sure we are.

An export never says whose it is in one reliable place, so each source gives a candidate:

- ``Profile.csv`` (the owner's own profile), when the export has it;
- the 2018 ``Direction`` column (the owner sent the OUTGOING rows);
- the sender of an outgoing-only folder (``SENT``, in any supported language);
- ``Invitations.csv``: the sender of OUTGOING and the recipient of INCOMING invitations;
- the participant present in every conversation (the owner is in all of them; a
  correspondent, a company page or a sponsor is only in theirs);
- the participant of the most messages (the weakest: a chatty correspondent can win).

The first source that names someone decides; the others confirm or contradict, which sets
the confidence. A caller who knows better passes the name (``--owner``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import attrgetter

from ._locale import fold
from ._models import Direction, Invitation, Message, OwnerInfo, _name_key, _url_key

_LINKEDIN_MEMBER = "linkedin member"
_WORDS = re.compile(r"[^\W\d_]+")
_CONV = attrgetter("conversation_id")
_SENDER = attrgetter("sender_name")
_SENDER_URL = attrgetter("sender_url")
_R_NAMES = attrgetter("recipient_names")
_R_URLS = attrgetter("recipient_urls")
PLACEHOLDER_NAME = "LinkedIn Member"
#: The owner key of an export whose owner's name was replaced by "LinkedIn Member".
PLACEHOLDER_KEY = "name:" + _LINKEDIN_MEMBER


def _is_placeholder(name: str) -> bool:
    return " ".join(name.split()).casefold() == _LINKEDIN_MEMBER


def is_personal_url(url: str) -> bool:
    """A member's profile URL (``https://www.linkedin.com/in/<slug>``)."""
    return "/in/" in url


def is_system_sender(name: str, url: str = "") -> bool:
    """LinkedIn's own personas, deleted accounts ("LinkedIn Member") and empty-FROM events.

    A name containing "LinkedIn" is a persona ("Angela from LinkedIn Premium") unless it comes
    with a personal profile URL: then it is a member who put the word in their name.
    """
    if not name:
        return True
    folded = name.casefold()
    if "linkedin" not in folded:
        return False
    if " ".join(folded.split()) == _LINKEDIN_MEMBER:
        return True
    return not is_personal_url(url)


@dataclass(slots=True)
class _Participants:
    """Participants keyed by profile URL, or by display name when they have none."""

    #: name key -> URL -> rows: plain dicts, one per name, cheap on a large export
    url_of_name: dict[str, dict[str, int]] = field(default_factory=dict)
    #: (display name, URL) -> participant key, ``None`` for LinkedIn's own rows
    pair_key: dict[tuple[str, str], str | None] = field(default_factory=dict)
    #: rows each (display name, URL) was seen on, to name a participant by its usual form
    weight: Counter[tuple[str, str]] = field(default_factory=Counter)

    def learn(self, pairs: Iterable[tuple[tuple[str, str], int]]) -> None:
        """Remember which URL each name was seen with, on how many rows (the 9-column layout
        has no recipient URLs, so the owner shows up once with a URL and once without)."""
        for (name, url), rows in pairs:
            if url and name:
                nk = _name_key(name)
                seen = self.url_of_name.get(nk)
                if seen is None:
                    self.url_of_name[nk] = {url: rows}
                else:
                    seen[url] = seen.get(url, 0) + rows

    def key(self, name: str, url: str) -> str | None:
        """The participant's key, or ``None`` for LinkedIn's own rows."""
        pair = (name, url)
        if pair in self.pair_key:
            return self.pair_key[pair]
        key: str | None = None
        if not is_system_sender(name, url):
            if not url:
                seen_with = self.url_of_name.get(_name_key(name))
                if seen_with:
                    url = max(seen_with, key=seen_with.__getitem__)
            key = _url_key(url) if url else "name:" + _name_key(name)
        self.pair_key[pair] = key
        return key

    def names(self) -> dict[str, Counter[str]]:
        """Participant key -> the display names it was seen with, by rows."""
        out: dict[str, Counter[str]] = {}
        for pair, key in self.pair_key.items():
            if key is not None and pair[0]:
                out.setdefault(key, Counter())[pair[0]] += self.weight[pair]
        return out

    def person(self, key: str) -> tuple[str, str]:
        """The usual display name and URL of a participant."""
        names: Counter[str] = Counter()
        urls: Counter[str] = Counter()
        for pair, k in self.pair_key.items():
            if k == key:
                if pair[0]:
                    names[pair[0]] += self.weight[pair]
                if pair[1]:
                    urls[pair[1]] += self.weight[pair]
        if key == PLACEHOLDER_KEY and not names:
            return PLACEHOLDER_NAME, ""
        name = names.most_common(1)[0][0] if names else ""
        url = urls.most_common(1)[0][0] if urls else ""
        if not url and key.startswith("http"):
            url = key
        return name, url


@dataclass(slots=True)
class _Vote:
    """One source's pick: the key it names, how much of that source agrees, and the evidence."""

    method: str
    key: str
    share: float
    total: int
    evidence: str


def _top(counts: Counter[str]) -> tuple[str, int, int] | None:
    if not counts:
        return None
    (key, n), *_ = counts.most_common(1)
    return key, n, sum(counts.values())


def detect_owner(
    messages: list[Message],
    *,
    known_direction: list[int],
    sent_folder_rows: list[int],
    invitations: list[Invitation],
    invitation_known: list[bool],
    profile_name: str,
    given: str | None,
) -> OwnerInfo | None:
    """Find the owner; see the module docstring for the sources and their order."""
    # Every (name, URL) seen, with the rows it is on, and every (conversation, name, URL):
    # built with C-level iterators, since this runs over every message of a large export.
    convs = list(map(_CONV, messages))
    senders = list(zip(map(_SENDER, messages), map(_SENDER_URL, messages), strict=True))
    r_names = list(map(_R_NAMES, messages))
    r_urls = list(map(_R_URLS, messages))
    # The reader gives every recipient name a URL slot (maybe ""), so the two chains align.
    recipients = list(zip(chain.from_iterable(r_names), chain.from_iterable(r_urls), strict=True))
    pair_rows = Counter(senders)
    pair_rows.update(recipients)

    parts = _Participants()
    inv_pairs = Counter((i.from_name, i.inviter_url) for i in invitations)
    inv_pairs.update((i.to_name, i.invitee_url) for i in invitations)
    parts.learn(pair_rows.items())
    parts.learn(inv_pairs.items())
    parts.weight = pair_rows + inv_pairs
    key = parts.key

    # Messages each participant appears on, and the conversations they appear in. A
    # "LinkedIn Member" is counted apart: an owner who anonymised their export replaced
    # their own name with it, and is then the one hidden name in every conversation.
    per_message: Counter[str] = Counter()
    cov_key: dict[tuple[str, str], str | None] = {}
    for pair, rows in pair_rows.items():
        k = key(pair[0], pair[1])
        if k is not None:
            per_message[k] += rows
        elif pair[0] and not pair[1] and _is_placeholder(pair[0]):
            k = PLACEHOLDER_KEY
        cov_key[pair] = k
    for pair in inv_pairs:  # invitation-only people too, for matching names below
        key(pair[0], pair[1])
    conv_keys = set(zip(convs, map(cov_key.__getitem__, senders), strict=True))
    r_convs = chain.from_iterable(map(repeat, convs, map(len, r_names)))
    conv_keys.update(zip(r_convs, map(cov_key.__getitem__, recipients), strict=True))
    coverage: Counter[str] = Counter(k for _, k in conv_keys if k is not None)
    placeholder_n = coverage.pop(PLACEHOLDER_KEY, 0)
    real_convs = {c for c, k in conv_keys if k is not None and k != PLACEHOLDER_KEY}
    n_all = len({c for c, k in conv_keys if k is not None})

    votes: list[_Vote] = []
    profile_unseen = False
    if profile_name:
        pk = _match_name(parts, profile_name)
        if pk is not None or not any(parts.pair_key.values()):
            votes.append(_Vote("profile", pk or "name:" + _name_key(profile_name), 1.0, 1, ""))
        else:
            # Profile.csv names someone the messages never show (a changed display name):
            # the other sources decide, and Profile.csv is the last resort.
            profile_unseen = True

    if known_direction:
        counts: Counter[str] = Counter()
        for i in known_direction:
            m = messages[i]
            if m.direction is Direction.OUTGOING:
                k = key(m.sender_name, m.sender_url)
                if k is not None:
                    counts[k] += 1
            else:
                for rname, rurl in zip(m.recipient_names, m.recipient_urls, strict=False):
                    k = key(rname, rurl)
                    if k is not None:
                        counts[k] += 1
        top = _top(counts)
        if top:
            k, n, total = top
            votes.append(
                _Vote(
                    "direction_column",
                    k,
                    n / total,
                    total,
                    f"the Direction column: {n} of {total} rows sent or received by them",
                )
            )

    if sent_folder_rows:
        counts = Counter()
        for i in sent_folder_rows:
            m = messages[i]
            k = key(m.sender_name, m.sender_url)
            if k is not None:
                counts[k] += 1
        top = _top(counts)
        if top:
            k, n, total = top
            votes.append(
                _Vote(
                    "sent_folder",
                    k,
                    n / total,
                    total,
                    f"sender of {n} of {total} rows in the SENT folder",
                )
            )

    if invitations:
        counts = Counter()
        for inv, known in zip(invitations, invitation_known, strict=True):
            if not known:
                continue
            if inv.direction is Direction.OUTGOING:
                k = key(inv.from_name, inv.inviter_url)
            else:
                k = key(inv.to_name, inv.invitee_url)
            if k is not None:
                counts[k] += 1
        top = _top(counts)
        if top:
            k, n, total = top
            votes.append(
                _Vote(
                    "invitations",
                    k,
                    n / total,
                    total,
                    f"on the owner's side of {n} of {total} invitations",
                )
            )

    n_convs = len(real_convs)
    ranked = sorted(coverage.items(), key=lambda kv: (-kv[1], -per_message[kv[0]], kv[0]))
    conv_margin = 0.0
    best, n = ranked[0] if ranked else ("", 0)
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if n_all >= 2 and placeholder_n >= 0.9 * n_all and n <= 0.5 * n_all:
        votes.append(
            _Vote(
                "conversations",
                PLACEHOLDER_KEY,
                placeholder_n / n_all,
                n_all,
                f"'{PLACEHOLDER_NAME}' is in {placeholder_n} of {n_all} "
                f"conversations and nobody else is in more than {n}: the owner's own name "
                "looks replaced (an anonymised export)",
            )
        )
    elif n > runner_up:
        # A tie (two people in every conversation, as in a one-conversation export) says
        # nothing about which of them is the owner.
        conv_margin = (n - runner_up) / n_convs
        votes.append(
            _Vote(
                "conversations",
                best,
                n / n_convs,
                n_convs,
                f"present in {n} of {n_convs} conversations, the next person in {runner_up}",
            )
        )
    top = _top(per_message)
    if top:
        k, n, total = top
        votes.append(
            _Vote("most_frequent", k, n / total, total, f"on {n} of {len(messages)} messages")
        )

    if profile_unseen:
        votes.append(
            _Vote(
                "profile",
                "name:" + _name_key(profile_name),
                1.0,
                1,
                "Profile.csv (a name the messages do not show)",
            )
        )
    if given:
        return _given(parts, given, votes, coverage, n_convs)
    if not votes:
        return None
    chosen = votes[0]
    agree = [v for v in votes[1:] if v.key == chosen.key and v.method != "most_frequent"]
    disagree = [v for v in votes[1:] if v.key != chosen.key and v.method not in ("most_frequent",)]
    confidence = _confidence(chosen, agree, disagree, conv_margin)
    name, url = parts.person(chosen.key)
    if chosen.method == "profile":
        name = profile_name
        evidence = [chosen.evidence or "Profile.csv"]
    else:
        evidence = [chosen.evidence]
    evidence += [f"also: {v.evidence}" for v in agree]
    for v in disagree:
        evidence.append(f"{v.method} points to someone else ({v.evidence})")
    return OwnerInfo(
        name=name, url=url, method=chosen.method, confidence=confidence, evidence=tuple(evidence)
    )


def _confidence(chosen: _Vote, agree: list[_Vote], disagree: list[_Vote], margin: float) -> str:
    if chosen.method in ("profile", "direction_column"):
        return "high" if not disagree or agree else "medium"
    decisive = chosen.share >= 0.9 and chosen.total >= 3
    if chosen.method == "conversations":
        decisive = decisive and margin >= 0.3
        # In (nearly) every one of many conversations, and nobody else comes close.
        if chosen.share >= 0.95 and chosen.total >= 20 and margin >= 0.8 and not disagree:
            return "high"
    if chosen.method == "most_frequent":
        decisive = False
    if agree and not disagree:
        return "high"
    if decisive and not disagree:
        return "medium"
    return "low"


def _words(name: str) -> list[str]:
    return _WORDS.findall(fold(name))


def _match_name(parts: _Participants, name: str) -> str | None:
    """The key of a participant seen with this display name (any case and spacing), else
    of one whose display name adds words to it ("Jane Doe" -> "Jane Doe, MBA")."""
    wanted = _name_key(name)
    words = _words(name)
    exact: tuple[int, str] | None = None
    loose: tuple[int, str] | None = None
    for key, names in parts.names().items():
        n = sum(c for nm, c in names.items() if _name_key(nm) == wanted)
        if n and (exact is None or n > exact[0]):
            exact = (n, key)
        if exact is None and words:
            m = 0
            for nm, c in names.items():
                seen = _words(nm)
                if seen[:1] == words[:1] and set(words) <= set(seen):
                    m += c
            if m and (loose is None or m > loose[0]):
                loose = (m, key)
    best = exact or loose
    return best[1] if best else None


def _given(
    parts: _Participants, given: str, votes: list[_Vote], coverage: Counter[str], n_convs: int
) -> OwnerInfo:
    """The owner the caller named: a display name, or a profile URL."""
    text = given.strip()
    if "://" in text or text.startswith("www."):
        key: str | None = _url_key(text)
        if key not in set(parts.pair_key.values()):
            key = None
        name, url = parts.person(key) if key else ("", text)
    else:
        key = _match_name(parts, text)
        name = text
        url = parts.person(key)[1] if key else ""
    evidence = ["named by the user"]
    if key is None:
        evidence.append("that name does not appear in the messages or invitations")
    else:
        evidence.append(f"present in {coverage.get(key, 0)} of {n_convs} conversations")
        for v in votes:
            if v.method != "most_frequent" and v.key != key:
                evidence.append(f"{v.method} points to someone else ({v.evidence})")
    return OwnerInfo(
        name=name, url=url, method="given", confidence="high", evidence=tuple(evidence)
    )
