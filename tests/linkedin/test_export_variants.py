"""Exports as people actually have them: odd layouts, renamed files, other languages.

One test (or one parametrised family) per known way the reader used to get a count wrong.
Every fixture is invented and written in LinkedIn's exact layout by the builder.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pitchless.linkedin import Direction, Export, is_system_sender, read_export
from pitchless.linkedin._locale import _MONTHS_BY_LANGUAGE, LANGUAGES
from tests.fixtures.exports.builder import (
    MESSAGE_HEADERS,
    PREAMBLE,
    Conn,
    Inv,
    Msg,
    connections_csv,
    conv_id,
    fmt_day,
    invitations_csv,
    messages_csv,
    table_csv,
    url,
    write_folder,
    write_zip,
)

ME = "Ola Nordmann"
ME_URL = url("ola-nordmann-0001")
KARI, KARI_URL = "Kari Hansen", url("kari-hansen-0002")
PER, PER_URL = "Per Olsen", url("per-olsen-0003")
T0 = datetime(2024, 5, 6, 8, 30, tzinfo=UTC)


def _to_me(n: int, sender: str, sender_url: str, at: datetime, text: str, **kw: str) -> Msg:
    return Msg(conv_id(n), sender, sender_url, [ME], [ME_URL], at, text, **kw)  # type: ignore[arg-type]


def _from_me(n: int, to: str, to_url: str, at: datetime, text: str, **kw: str) -> Msg:
    return Msg(conv_id(n), ME, ME_URL, [to], [to_url], at, text, **kw)  # type: ignore[arg-type]


def _base_thread() -> list[Msg]:
    """Two ordinary conversations: the owner writes in both, so the owner is plain to see."""
    return [
        _to_me(1, KARI, KARI_URL, T0, "Hi Ola, good to meet you"),
        _from_me(1, KARI, KARI_URL, T0 + timedelta(hours=1), "Likewise!"),
        _to_me(2, PER, PER_URL, T0 + timedelta(days=1), "Question about the talk"),
        _from_me(2, PER, PER_URL, T0 + timedelta(days=1, hours=2), "Sure, ask away"),
    ]


def _read(tmp_path: Path, files: dict[str, str | bytes], **kw: str) -> Export:
    return read_export(write_folder(tmp_path / "export", files), **kw)  # type: ignore[arg-type]


# 1 -------------------------------------------------------------------------------------------


def test_inbound_rows_with_empty_folder_are_not_drafts(tmp_path: Path) -> None:
    """Without a draft column an empty FOLDER is a draft only on the owner's own rows."""
    msgs = _base_thread()
    msgs += [
        _to_me(
            3, "Sam Seller", url("sam-seller-0004"), T0 + timedelta(days=2), "Buy now", folder=""
        ),
        _to_me(
            3, "Sam Seller", url("sam-seller-0004"), T0 + timedelta(days=3), "Still?", folder=""
        ),
        _to_me(4, "", "", T0 + timedelta(days=3), "Message request accepted", folder=""),
        _from_me(2, PER, PER_URL, T0 + timedelta(days=4), "half-written", folder=""),
    ]
    export = _read(tmp_path, {"messages.csv": messages_csv("2023", msgs)})
    assert export.owner is not None and export.owner.name == ME
    empty = [m for m in export.messages if m.folder == ""]
    assert len(empty) == 4
    assert [m.text for m in empty if m.is_draft] == ["half-written"]
    sam = [m for m in export.messages if m.sender_name == "Sam Seller"]
    assert len(sam) == 2 and not any(m.is_draft for m in sam)
    assert all(m.direction is Direction.INCOMING for m in sam)
    notes = export.files["messages"].notes
    assert any("1 row(s) by the owner with an empty FOLDER are drafts" in n for n in notes)
    assert any("3 row(s) with an empty FOLDER kept as messages" in n for n in notes)

    # With IS MESSAGE DRAFT the column decides, whoever wrote the row.
    msgs24 = [
        *_base_thread(),
        _from_me(2, PER, PER_URL, T0 + timedelta(days=4), "draft", draft=True),
        _to_me(3, "Sam Seller", url("sam-seller-0004"), T0 + timedelta(days=2), "Hi"),
    ]
    export24 = _read(tmp_path / "b", {"messages.csv": messages_csv("2024", msgs24)})
    assert [m.text for m in export24.messages if m.is_draft] == ["draft"]

    # ... except that someone else's row is never a draft, whatever the column says.
    msgs24.append(
        _to_me(3, "Sam Seller", url("sam-seller-0004"), T0 + timedelta(days=5), "x", draft=True)
    )
    export24 = _read(tmp_path / "c", {"messages.csv": messages_csv("2024", msgs24)})
    assert [m.text for m in export24.messages if m.is_draft] == ["draft"]
    assert any("written by someone else" in n for n in export24.files["messages"].notes)


# 2 -------------------------------------------------------------------------------------------


def _group(to: list[str], urls: list[str]) -> Msg:
    return Msg(conv_id(9), ME, ME_URL, to, urls, T0, "Hi all")


@pytest.mark.parametrize(
    ("to", "urls", "names", "paired"),
    [
        # "LinkedIn Member" has no URL slot: the others still pair by position.
        (
            [KARI, "LinkedIn Member", PER],
            [KARI_URL, PER_URL],
            (KARI, "LinkedIn Member", PER),
            (KARI_URL, "", PER_URL),
        ),
        ([KARI, "LinkedIn Member"], [KARI_URL], (KARI, "LinkedIn Member"), (KARI_URL, "")),
        (
            ["LinkedIn Member", "LinkedIn Member", PER],
            [PER_URL],
            ("LinkedIn Member", "LinkedIn Member", PER),
            ("", "", PER_URL),
        ),
        # Counts differ for another reason: pair only the URL whose address spells a name.
        (
            ["Ann Lee", "Bo Kim"],
            [url("bo-kim-0077")],
            ("Ann Lee", "Bo Kim"),
            ("", url("bo-kim-0077")),
        ),
        (["Ann Lee", "Bo Kim"], [url("ACoAAB12xyz")], ("Ann Lee", "Bo Kim"), ("", "")),
        # An explicit empty slot keeps the positions.
        (
            [KARI, "LinkedIn Member", PER],
            [KARI_URL, "", PER_URL],
            (KARI, "LinkedIn Member", PER),
            (KARI_URL, "", PER_URL),
        ),
        # Same counts: by position, as before.
        ([KARI, PER], [KARI_URL, PER_URL], (KARI, PER), (KARI_URL, PER_URL)),
    ],
)
def test_group_recipients_with_linkedin_member_pair_safely(
    tmp_path: Path,
    to: list[str],
    urls: list[str],
    names: tuple[str, ...],
    paired: tuple[str, ...],
) -> None:
    export = _read(
        tmp_path, {"messages.csv": messages_csv("2023", [*_base_thread(), _group(to, urls)])}
    )
    group = next(m for m in export.messages if m.conversation_id == conv_id(9))
    assert group.recipient_names == names  # never merged into "A B,LinkedIn Member"
    assert group.recipient_urls == paired
    # The read report says when names and URLs did not line up, and how they were paired.
    pairing = [n for n in export.files["messages"].notes if "recipient" in n]
    if len([u for u in urls if u]) == len(to) or len(urls) == len(to):
        assert pairing == []
    elif "LinkedIn Member" in to and len(to) - to.count("LinkedIn Member") == len(urls):
        assert pairing == [
            "1 group row(s) with 'LinkedIn Member' recipients, who have no profile URL: the "
            "other recipients were paired with their URLs"
        ]
    else:
        assert len(pairing) == 1 and "differ in number" in pairing[0]


# 3 -------------------------------------------------------------------------------------------


def test_invitations_with_profile_urns_are_kept_and_joined(tmp_path: Path) -> None:
    kari_id = "ACoAAKari0002xyz"
    kari_id_url = url(kari_id)
    invs = [
        Inv(
            KARI,
            ME,
            T0 - timedelta(days=1),
            "INCOMING",
            "Hello",
            inviter_urn=f"urn:li:fsd_profile:{kari_id}",
            invitee_urn="urn:li:fsd_profile:ACoAAOla0001",
        ),
        Inv(
            ME,
            "Nils Berg",
            T0 - timedelta(days=5),
            "OUTGOING",
            "",
            inviter_urn="urn:li:fsd_profile:ACoAAOla0001",
            invitee_urn="urn:li:fsd_profile:ACoAANils0009",
        ),
    ]
    msgs = [
        _to_me(1, KARI, kari_id_url, T0, "Thanks for accepting"),
        _from_me(1, KARI, kari_id_url, T0 + timedelta(hours=1), "Welcome"),
    ]
    files = {
        "Invitations.csv": invitations_csv("urn", invs),
        "messages.csv": messages_csv("2023", msgs),
    }
    export = _read(tmp_path, files)
    info = export.files["invitations"]
    assert info.rows == 2 and info.malformed == 0
    assert "inviterprofileurl" in info.missing_columns
    kari, nils = export.invitations
    assert kari.inviter_urn == f"urn:li:fsd_profile:{kari_id}"
    assert nils.invitee_urn == "urn:li:fsd_profile:ACoAANils0009"
    assert kari.inviter_url == kari_id_url  # joined through the messages' profile URL
    assert nils.invitee_url == ""  # nothing to join it to: kept as a URN only
    assert any("1 profile URN(s) joined" in n for n in info.notes)
    assert export.owner is not None and export.owner.name == ME


# 4 -------------------------------------------------------------------------------------------


def _us_short(d: datetime) -> str:
    return f"{d.month}/{d.day}/{d.strftime('%y')}"


@pytest.mark.parametrize(
    ("write", "resaved", "with_time"),
    [
        (_us_short, True, False),  # M/D/YY, no time (Excel)
        (lambda d: d.strftime("%m-%d-%Y"), True, False),  # MM-DD-YYYY
        (lambda d: d.strftime("%b %d %Y %I:%M %p"), False, True),  # Mar 25 2023 10:15 AM
        (lambda d: d.strftime("%d-%b-%y"), True, False),  # 25-Mar-23
        (lambda d: d.strftime("%m/%d/%Y %H:%M"), True, True),
        (lambda d: d.strftime("%Y-%m-%d %H:%M:%S"), True, True),
        (lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"), True, True),
        (lambda d: d.strftime("%B %d, %Y"), False, False),
    ],
)
def test_invitation_dates_as_spreadsheets_write_them(
    tmp_path: Path, write: Callable[[datetime], str], resaved: bool, with_time: bool
) -> None:
    start = datetime(2023, 1, 3, 10, 15, tzinfo=UTC)
    invs = [
        Inv(f"Person {i}", ME, start + timedelta(days=3 * i), "INCOMING", "", url(f"p-{i}"), ME_URL)
        for i in range(40)
    ]
    export = _read(tmp_path, {"Invitations.csv": invitations_csv("2023", invs, date_format=write)})
    assert len(export.invitations) == 40
    assert export.files["invitations"].malformed == 0
    for inv, written in zip(export.invitations, invs, strict=True):
        assert inv.sent_at is not None
        expected = written.at if with_time else written.at.replace(hour=0, minute=0)
        assert inv.sent_at == expected
    assert any("spreadsheet" in w for w in export.warnings) is resaved


def test_unreadable_invitation_dates_are_kept_and_reported(tmp_path: Path) -> None:
    invs = [Inv(KARI, ME, T0, "INCOMING", "", KARI_URL, ME_URL)]
    text = (
        invitations_csv("2023", invs)
        + f"{PER},{ME},sometime last spring,,INCOMING,{PER_URL},{ME_URL}\n"
    )
    export = _read(tmp_path, {"Invitations.csv": text})
    assert len(export.invitations) == 2
    assert export.invitations[1].sent_at is None
    assert any("1 invitation date(s) could not be read" in w for w in export.warnings)
    assert any("could not be read" in n for n in export.files["invitations"].notes)


# 5 -------------------------------------------------------------------------------------------


_CONNS = [
    Conn("Kari", "Hansen", "kari-hansen-0002", date(2024, 5, 5), "Fjord AS", "CTO"),
    Conn("Per", "Olsen", "per-olsen-0003", date(2022, 1, 3), "Olsen, Olsen & Co", "Partner"),
    Conn("", "", "restricted-0004", date(2021, 7, 1)),
]


@pytest.mark.parametrize("preamble", [True, False])
@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (["Name", "URL", "Company", "Position", "Connected On"], ("email address",)),
        (
            [
                "Connected On",
                "Company",
                "Last Name",
                "URL",
                "First Name",
                "Position",
                "Email Address",
            ],
            (),
        ),
        (
            ["URL", "First Name", "Last Name", "Connected On"],
            ("email address", "company", "position"),
        ),
        (
            ["First Name", "Last Name", "URL"],
            ("email address", "company", "position", "connected on"),
        ),
    ],
)
def test_connections_read_by_header_names(
    tmp_path: Path, header: list[str], missing: tuple[str, ...], preamble: bool
) -> None:
    def cell(c: Conn, column: str) -> str:
        return {
            "Name": f"{c.first} {c.last}".strip(),
            "First Name": c.first,
            "Last Name": c.last,
            "URL": url(c.slug),
            "Email Address": c.email,
            "Company": c.company,
            "Position": c.position,
            "Connected On": fmt_day(c.on),
        }[column]

    text = table_csv(header, [[cell(c, h) for h in header] for c in _CONNS])
    export = _read(tmp_path, {"Connections.csv": (PREAMBLE if preamble else "") + text})
    info = export.files["connections"]
    assert info.rows == 3 and info.malformed == 0
    assert info.preamble is preamble
    assert info.missing_columns == missing
    assert not any("empty file" in w for w in export.warnings)
    kari = export.connection_for("Kari Hansen", KARI_URL)
    assert kari is not None and kari.first_name == "Kari" and kari.last_name == "Hansen"
    assert kari.url == KARI_URL
    has_date = "Connected On" in header
    assert kari.connected_on == (date(2024, 5, 5) if has_date else None)
    assert any("Connected On" in w for w in export.warnings) is not has_date
    if "Company" in header:
        assert export.connection_for("Per Olsen", PER_URL).company == "Olsen, Olsen & Co"  # type: ignore[union-attr]


def test_spreadsheet_resaves_are_read_and_odd_rows_counted(tmp_path: Path) -> None:
    """Semicolons (a European spreadsheet), UTF-16, a repeated header, blank rows: read, and
    every row not read is counted with its reason."""
    header = ["First Name", "Last Name", "URL", "Company", "Connected On"]
    rows = [
        ["Kari", "Hansen", KARI_URL, "Fjord; AS", "05.05.2024"],
        header,
        ["", "", "", "", ""],
        ["Per", "Olsen", PER_URL, "", "03.01.2022"],
    ]
    # "Fjord; AS" has no comma, so the writer leaves it bare; in the semicolon file it
    # becomes "Fjord, AS" (a comma is text there).
    semi = table_csv(header, rows).replace(",", ";").replace("Fjord; AS", "Fjord, AS")
    msgs = messages_csv("2023", _base_thread()).encode("utf-16")
    export = _read(tmp_path, {"Connections.csv": semi.replace("\n", "\r\n"), "messages.csv": msgs})
    conns = export.files["connections"]
    assert conns.delimiter == ";" and conns.rows == 2
    assert conns.skipped == {"repeated header row": 1, "empty row (every cell blank)": 1}
    assert [c.connected_on for c in export.connections] == [date(2024, 5, 5), date(2022, 1, 3)]
    assert export.connections[0].company == "Fjord, AS"
    assert export.files["messages"].encoding == "utf-16" and len(export.messages) == 4
    resaved = [w for w in export.warnings if "spreadsheet" in w]
    assert any("semicolon-separated" in w for w in resaved)
    assert any("UTF-16" in w for w in resaved)


def test_connections_with_an_unknown_header_say_so(tmp_path: Path) -> None:
    text = table_csv(["Who", "When"], [["Kari", "today"], ["Per", "today"]])
    export = _read(
        tmp_path, {"Connections.csv": text, "messages.csv": messages_csv("2023", _base_thread())}
    )
    info = export.files["connections"]
    assert info.rows == 0 and info.malformed == 2
    (reason,) = info.skipped
    assert "file not read" in reason and "first name" in reason
    assert any("unknown header" in w for w in export.warnings)


# 6 -------------------------------------------------------------------------------------------


def _one_conversation() -> list[Msg]:
    """One conversation in which the correspondent writes first and most."""
    return [
        _to_me(1, KARI, KARI_URL, T0, "Hi Ola"),
        _to_me(1, KARI, KARI_URL, T0 + timedelta(minutes=5), "Are you there?"),
        _from_me(1, KARI, KARI_URL, T0 + timedelta(hours=1), "Yes"),
    ]


def test_owner_is_uncertain_on_thin_evidence_and_can_be_given(tmp_path: Path) -> None:
    files = {"messages.csv": messages_csv("2023", _one_conversation())}
    guessed = _read(tmp_path / "a", files)
    assert guessed.owner_info is not None and guessed.owner_info.confidence == "low"
    assert any("--owner" in w for w in guessed.warnings)

    given = _read(tmp_path / "b", files, owner=ME)
    assert given.owner == type(given.owner)(ME, ME_URL)  # type: ignore[misc]
    assert given.owner_info is not None and given.owner_info.method == "given"
    assert [m.direction for m in given.messages] == [
        Direction.INCOMING,
        Direction.INCOMING,
        Direction.OUTGOING,
    ]
    by_url = _read(tmp_path / "c", files, owner=KARI_URL)
    assert by_url.owner is not None and by_url.owner.name == KARI

    unknown = _read(tmp_path / "d", files, owner="Nobody Known")
    assert unknown.owner_info is not None
    assert any("does not appear" in e for e in unknown.owner_info.evidence)


def test_owner_from_invitations_and_sent_folder(tmp_path: Path) -> None:
    invs = [
        Inv(KARI, ME, T0 - timedelta(days=1), "INCOMING", "", KARI_URL, ME_URL),
        Inv(ME, PER, T0 - timedelta(days=2), "OUTGOING", "", ME_URL, PER_URL),
        Inv("Nils Berg", ME, T0 - timedelta(days=3), "INCOMING", "", url("nils-berg-0009"), ME_URL),
    ]
    files = {
        "messages.csv": messages_csv("2023", _one_conversation()),
        "Invitations.csv": invitations_csv("2023", invs),
    }
    export = _read(tmp_path / "inv", files)
    assert export.owner is not None and export.owner.name == ME
    assert export.owner_info is not None and export.owner_info.method == "invitations"
    assert export.owner_info.confidence in ("medium", "high")

    # A layout with FOLDER but neither ids nor Direction: the SENT folder names the owner.
    header = ["From", "To", "Date", "Subject", "Content", "Folder"]
    rows = [
        [KARI, ME, "2024-05-06 08:30:00 UTC", "", "Hi", "INBOX"],
        [KARI, ME, "2024-05-06 08:35:00 UTC", "", "Hello?", "INBOX"],
        [ME, KARI, "2024-05-06 09:30:00 UTC", "", "Hi!", "SENT"],
    ]
    sent = _read(tmp_path / "sent", {"messages.csv": table_csv(header, rows)})
    assert sent.owner is not None and sent.owner.name == ME
    assert sent.owner_info is not None and sent.owner_info.method == "sent_folder"
    assert [m.direction for m in sent.messages][-1] is Direction.OUTGOING
    # Without ids, a thread is its participants: both sides of it are one conversation.
    assert len({m.conversation_id for m in sent.messages}) == 1


def test_profile_name_with_credentials_in_the_messages(tmp_path: Path) -> None:
    """Profile.csv says "Ola Nordmann"; the messages show "Ola Nordmann, PhD"."""
    shown = "Ola Nordmann, PhD"
    msgs = [
        Msg(conv_id(1), KARI, KARI_URL, [shown], [ME_URL], T0, "Hi"),
        Msg(conv_id(1), shown, ME_URL, [KARI], [KARI_URL], T0 + timedelta(hours=1), "Hello"),
        Msg(conv_id(2), PER, PER_URL, [shown], [ME_URL], T0 + timedelta(days=1), "Hei"),
    ]
    profile = "First Name,Last Name,Headline\nOla,Nordmann,Engineer\n"
    export = _read(
        tmp_path / "a", {"messages.csv": messages_csv("2023", msgs), "Profile.csv": profile}
    )
    assert export.owner is not None and export.owner.url == ME_URL
    assert [m.direction for m in export.messages] == [
        Direction.INCOMING,
        Direction.OUTGOING,
        Direction.INCOMING,
    ]
    # A Profile.csv name the messages never show does not override them.
    other = "First Name,Last Name\nSomeone,Else\n"
    export = _read(
        tmp_path / "b", {"messages.csv": messages_csv("2023", msgs), "Profile.csv": other}
    )
    assert export.owner is not None and export.owner.url == ME_URL
    assert export.owner_info is not None and export.owner_info.method == "conversations"
    assert any("Profile.csv" in e for e in export.owner_info.evidence)


def test_owner_is_not_a_sponsor_writing_most(tmp_path: Path) -> None:
    """A sponsored page (no URL, empty TO) sends most rows; the owner is in every
    conversation and wins."""
    msgs = _base_thread()
    msgs += [
        Msg(
            conv_id(5, "013"),
            "Acme Cloud",
            "",
            [],
            [],
            T0 + timedelta(days=2, minutes=i),
            f"Offer {i}",
        )
        for i in range(12)
    ]
    msgs += [_to_me(6, "Nils Berg", url("nils-berg-0009"), T0 + timedelta(days=3), "Hei")]
    export = _read(tmp_path, {"messages.csv": messages_csv("2023", msgs)})
    assert export.owner is not None and export.owner.name == ME
    assert export.owner_info is not None and export.owner_info.method == "conversations"
    assert any("conversations" in e for e in export.owner_info.evidence)


def test_owner_of_an_anonymised_export(tmp_path: Path) -> None:
    """The uploader replaced their own name with "LinkedIn Member" and blanked sender URLs: the
    owner is that name, present in every conversation, not the busiest correspondent."""
    hidden = "LinkedIn Member"
    msgs = [
        Msg(conv_id(1), "Acme Cloud", "", [hidden], [], T0 + timedelta(minutes=i), f"Offer {i}")
        for i in range(8)
    ]
    for n, who in enumerate(["Kari Hansen", "Per Olsen", "Nils Berg"], start=2):
        msgs.append(Msg(conv_id(n), who, "", [hidden], [], T0 + timedelta(days=n), "Hei"))
        msgs.append(Msg(conv_id(n), hidden, "", [who], [], T0 + timedelta(days=n, hours=1), "Hi"))
    export = _read(tmp_path, {"messages.csv": messages_csv("2021", msgs)})
    assert export.owner is not None and export.owner.name == hidden
    assert export.owner_info is not None and export.owner_info.confidence == "low"
    assert any("looks replaced" in e for e in export.owner_info.evidence)
    mine = [m for m in export.messages if m.sender_name == hidden]
    assert len(mine) == 3
    assert all(m.direction is Direction.OUTGOING and not m.is_system for m in mine)
    acme = [m for m in export.messages if m.sender_name == "Acme Cloud"]
    assert len(acme) == 8 and all(m.direction is Direction.INCOMING for m in acme)


def test_linkedin_in_a_personal_name_is_not_a_system_sender(tmp_path: Path) -> None:
    coach, coach_url = "Sam LinkedIn Coach", url("sam-coach-0010")
    msgs = [
        *_base_thread(),
        _to_me(7, coach, coach_url, T0 + timedelta(days=5), "I help with profiles"),
        _to_me(8, "Pat from LinkedIn Premium", "", T0 + timedelta(days=5), "Try Premium"),
    ]
    export = _read(tmp_path, {"messages.csv": messages_csv("2023", msgs)})
    flags = {m.sender_name: m.is_system for m in export.messages}
    assert flags[coach] is False
    assert flags["Pat from LinkedIn Premium"] is True
    assert is_system_sender("LinkedIn Member", url("x")) is True
    assert is_system_sender("Jo LinkedIn", "https://www.linkedin.com/company/jo") is True


# 7 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_zip", [False, True])
def test_renamed_and_numbered_files_are_found(tmp_path: Path, as_zip: bool) -> None:
    files: dict[str, str | bytes] = {
        "messages_123456.csv": messages_csv("2023", _base_thread()),
        "Connections (1).csv": connections_csv("2023", _CONNS),
        "Invitations1.csv": invitations_csv(
            "2023", [Inv(KARI, ME, T0, "INCOMING", "", KARI_URL, ME_URL)]
        ),
        # Same first columns as Connections.csv, but not connections: never picked by header.
        "Recommendations_Received.csv": table_csv(
            ["First Name", "Last Name", "Company", "Text"], [["A", "B", "C", "D"]]
        ),
    }
    if as_zip:
        export = read_export(
            write_zip(tmp_path / "e.zip", files, top="Basic_LinkedInDataExport_05-06-2024")
        )
    else:
        export = _read(tmp_path, files)
    assert len(export.messages) == 4
    assert len(export.connections) == 3
    assert len(export.invitations) == 1
    assert export.files["connections"].path.endswith("Connections (1).csv")
    assert export.files["messages"].found_by == "name"
    report = export.read_report()
    assert [f["kind"] for f in report["files"]] == ["messages", "connections", "invitations"]


def test_files_found_by_header_and_the_choice_is_reported(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "inbox_export.csv": messages_csv("2023", _base_thread()),
        "network.csv": connections_csv("2023", _CONNS),
    }
    export = _read(tmp_path / "sniff", files)
    assert len(export.messages) == 4 and len(export.connections) == 3
    assert export.files["messages"].found_by == "header"
    assert export.files["connections"].path == "network.csv"

    # An invitations file under another name is not mistaken for messages (both have
    # From, To, a date and a text column), nor is the 2018 messages layout for invitations.
    invs = [Inv(KARI, ME, T0, "INCOMING", "Hei", KARI_URL, ME_URL)]
    legacy = [Msg("", KARI, "", [ME], [], T0, "Hi", direction="INCOMING")]
    export3 = _read(
        tmp_path / "inv",
        {"Einladungen.csv": invitations_csv("2023", invs), "alt.csv": messages_csv("2018", legacy)},
    )
    assert export3.files["invitations"].path == "Einladungen.csv"
    assert export3.files["messages"].path == "alt.csv"
    assert len(export3.invitations) == 1 and len(export3.messages) == 1

    # A name that only contains the kind, and a file that fits preferred over one that does not.
    trimmed = table_csv(["First Name", "Last Name", "URL"], [["Kari", "Hansen", KARI_URL]])
    files4: dict[str, str | bytes] = {
        "my_connections_cleaned.csv": trimmed,
        "messages.csv": "something,else\n1,2\n",
        "messages1.csv": messages_csv("2023", _base_thread()),
    }
    export4 = _read(tmp_path / "loose", files4)
    assert export4.files["connections"].path == "my_connections_cleaned.csv"
    assert len(export4.connections) == 1
    assert export4.files["messages"].path == "messages1.csv" and len(export4.messages) == 4
    assert any("several messages files: read messages1.csv" in w for w in export4.warnings)

    two = {
        "messages.csv": messages_csv("2023", _base_thread()),
        "messages (1).csv": messages_csv("2023", _base_thread()[:2]),
    }
    export2 = _read(tmp_path / "two", two)
    assert export2.files["messages"].path == "messages.csv"
    warning = next(w for w in export2.warnings if "several messages files" in w)
    assert "messages (1).csv" in warning
    (entry,) = [f for f in export2.read_report()["files"] if f["kind"] == "messages"]
    assert entry["other_candidates"] == [
        {"path": "messages (1).csv", "found_by": "name", "why": "messages.csv was used"}
    ]


# 8 -------------------------------------------------------------------------------------------

_LOCALIZED = {
    "de": (
        ["Vorname", "Nachname", "URL", "E-Mail-Adresse", "Unternehmen", "Position", "Verbunden am"],
        "12. März 2023",
        ["Von", "An", "Gesendet am", "Nachricht", "Richtung"],
        ("EINGEHEND", "AUSGEHEND"),
    ),
    "fr": (
        ["Prénom", "Nom", "URL", "Adresse e-mail", "Entreprise", "Poste", "Date de connexion"],
        "12 mars 2023",
        ["De", "À", "Envoyée le", "Message", "Direction"],
        ("ENTRANT", "SORTANT"),
    ),
    "es": (
        [
            "Nombre",
            "Apellidos",
            "URL",
            "Dirección de correo electrónico",
            "Empresa",
            "Cargo",
            "Conectado el",
        ],
        "12 de marzo de 2023",
        ["De", "Para", "Enviada el", "Mensaje", "Dirección"],
        ("RECIBIDA", "ENVIADA"),
    ),
    "pt": (
        ["Nome", "Sobrenome", "URL", "Endereço de e-mail", "Empresa", "Cargo", "Conectado em"],
        "12 de mar. de 2023",
        ["De", "Para", "Enviado em", "Mensagem", "Direção"],
        ("RECEBIDO", "ENVIADO"),
    ),
    "it": (
        ["Nome", "Cognome", "URL", "Indirizzo email", "Azienda", "Posizione", "Collegato il"],
        "12 mar 2023",
        ["Da", "A", "Inviato il", "Messaggio", "Direzione"],
        ("IN ARRIVO", "IN USCITA"),
    ),
    "nl": (
        ["Voornaam", "Achternaam", "URL", "E-mailadres", "Bedrijf", "Functie", "Verbonden op"],
        "12 mrt 2023",
        ["Van", "Aan", "Verzonden op", "Bericht", "Richting"],
        ("INKOMEND", "UITGAAND"),
    ),
    "sv": (
        ["Förnamn", "Efternamn", "URL", "E-postadress", "Företag", "Befattning", "Ansluten"],
        "12 mars 2023",
        ["Från", "Till", "Skickad", "Meddelande", "Riktning"],
        ("INKOMMANDE", "UTGÅENDE"),
    ),
}


@pytest.mark.parametrize("language", sorted(_LOCALIZED))
def test_localized_exports(tmp_path: Path, language: str) -> None:
    conn_header, day_text, inv_header, (incoming, outgoing) = _LOCALIZED[language]
    conns = [
        ["Kari", "Hansen", KARI_URL, "", "Fjord AS", "CTO", day_text],
        ["Per", "Olsen", PER_URL, "", "", "", day_text],
    ]
    invs = [
        [KARI, ME, day_text, "Hei!", incoming],
        [ME, PER, day_text, "", outgoing],
    ]
    files: dict[str, str | bytes] = {
        "Connections.csv": PREAMBLE + table_csv(conn_header, conns),
        "Invitations.csv": table_csv(inv_header, invs),
        "messages.csv": messages_csv("2023", _base_thread()),
    }
    export = _read(tmp_path, files)
    assert export.files["connections"].missing_columns == ()
    assert [c.connected_on for c in export.connections] == [date(2023, 3, 12)] * 2
    assert export.connections[0].company == "Fjord AS"
    assert [i.direction for i in export.invitations] == [Direction.INCOMING, Direction.OUTGOING]
    assert export.invitations[0].message == "Hei!"
    assert all(i.sent_at == datetime(2023, 3, 12, tzinfo=UTC) for i in export.invitations)
    assert export.malformed == {}
    assert not any("could not" in w or "unknown header" in w for w in export.warnings)


_MESSAGE_HEADERS_LOCALIZED = {
    "de": [
        "KONVERSATIONS-ID",
        "KONVERSATIONSTITEL",
        "VON",
        "PROFIL-URL DES ABSENDERS",
        "AN",
        "PROFIL-URLS DER EMPFÄNGER",
        "DATUM",
        "BETREFF",
        "INHALT",
        "ORDNER",
    ],
    "fr": [
        "ID DE LA CONVERSATION",
        "TITRE DE LA CONVERSATION",
        "DE",
        "URL DU PROFIL DE L’EXPÉDITEUR",
        "À",
        "URL DES PROFILS DES DESTINATAIRES",
        "DATE",
        "OBJET",
        "CONTENU",
        "DOSSIER",
    ],
    "es": [
        "ID DE LA CONVERSACIÓN",
        "TÍTULO DE LA CONVERSACIÓN",
        "DE",
        "URL DEL PERFIL DEL REMITENTE",
        "PARA",
        "URL DE LOS PERFILES DE LOS DESTINATARIOS",
        "FECHA",
        "ASUNTO",
        "CONTENIDO",
        "CARPETA",
    ],
}


@pytest.mark.parametrize("language", sorted(_MESSAGE_HEADERS_LOCALIZED))
def test_localized_messages_header(tmp_path: Path, language: str) -> None:
    rename = dict(zip(MESSAGE_HEADERS["2023"], _MESSAGE_HEADERS_LOCALIZED[language], strict=True))
    text = messages_csv("2023", _base_thread(), rename=rename)
    export = _read(tmp_path, {"messages.csv": text})
    assert len(export.messages) == 4 and export.files["messages"].missing_columns == ()
    first = export.messages[0]
    assert (first.sender_name, first.sender_url) == (KARI, KARI_URL)
    assert first.recipient_urls == (ME_URL,)
    assert export.owner is not None and export.owner.url == ME_URL


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_month_name_of_every_language(language: str) -> None:
    from pitchless.linkedin import parse_date

    for number, words in enumerate(_MONTHS_BY_LANGUAGE[language], start=1):
        for word in words.split():
            assert parse_date(f"7 {word} 2022")[0] == date(2022, number, 7), (language, word)
            assert parse_date(f"7 {word.capitalize()}. 2022")[0] == date(2022, number, 7)
    assert {"de", "fr", "es", "pt", "it", "nl", "sv"} <= set(LANGUAGES)


# 9 -------------------------------------------------------------------------------------------


def test_minor_layouts(tmp_path: Path) -> None:
    # No FOLDER column at all: drafts are "not known", and nothing is taken for one.
    no_folder = [c for c in MESSAGE_HEADERS["2023"] if c != "FOLDER"]
    export = _read(
        tmp_path / "nf", {"messages.csv": messages_csv("2023", _base_thread(), columns=no_folder)}
    )
    assert len(export.messages) == 4 and not any(m.is_draft for m in export.messages)
    assert "folder" in export.files["messages"].missing_columns
    assert any("drafts: not known" in n for n in export.files["messages"].notes)

    # Timestamps with minutes only.
    minutes = messages_csv("2023", _base_thread(), date_format="%Y-%m-%d %H:%M UTC")
    export = _read(tmp_path / "mm", {"messages.csv": minutes})
    assert export.malformed == {} and export.messages[0].sent_at == T0

    # RECEIVED / SENT invitation directions.
    invs = [
        Inv(KARI, ME, T0, "RECEIVED", "", KARI_URL, ME_URL),
        Inv(ME, PER, T0, "SENT", "", ME_URL, PER_URL),
    ]
    export = _read(tmp_path / "rs", {"Invitations.csv": invitations_csv("2023", invs)})
    assert [i.direction for i in export.invitations] == [Direction.INCOMING, Direction.OUTGOING]

    # A header-only AI-assistant chat is no news; one with rows is named.
    header_only = ",".join(MESSAGE_HEADERS["2024"]) + "\n"
    files: dict[str, str | bytes] = {
        "messages.csv": messages_csv("2024", _base_thread()),
        "learning_coach_messages.csv": header_only,
        "learning_role_play_messages.csv": header_only,
    }
    export = _read(tmp_path / "ai", files)
    assert not any("AI-assistant" in w for w in export.warnings)
    assert {p for p, _ in export.ignored} == {
        "learning_coach_messages.csv",
        "learning_role_play_messages.csv",
    }
    files["coach_messages.csv"] = messages_csv("2024", _base_thread())
    export = _read(tmp_path / "ai2", files)
    assert [w for w in export.warnings if "AI-assistant" in w] == [
        "ignored LinkedIn AI-assistant chats: coach_messages.csv"
    ]
    assert len(export.messages) == 4


@pytest.mark.parametrize("last", ["ATTACHMENTS", "IS MESSAGE DRAFT"])
def test_eleven_column_layouts(tmp_path: Path, last: str) -> None:
    columns = [*MESSAGE_HEADERS["2023"], last]
    msgs = [
        *_base_thread(),
        _from_me(2, PER, PER_URL, T0 + timedelta(days=3), "unsent", draft=True),
    ]
    export = _read(tmp_path, {"messages.csv": messages_csv("2023", msgs, columns=columns)})
    assert len(export.files["messages"].columns) == 11
    assert len(export.messages) == 5
    # Both layouts tell the owner's draft: one by the column, one by its empty FOLDER.
    assert [m.text for m in export.messages if m.is_draft] == ["unsent"]
