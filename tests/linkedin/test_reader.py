"""Every export layout from 2018 to 2026, and the pitfalls of the format, on invented data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pitchless.linkedin import Direction, Export, read_export
from tests.fixtures.exports.builder import (
    MESSAGE_HEADERS,
    Conn,
    Inv,
    Msg,
    connections_csv,
    conv_id,
    invitations_csv,
    messages_csv,
    url,
    write_folder,
    write_zip,
)

ME = "Ola Nordmann"
ME_URL = url("ola-nordmann-0001")
T0 = datetime(2024, 5, 6, 8, 30, tzinfo=UTC)


def _thread(layout: str) -> list[Msg]:
    """An inbound opener, the owner's reply, and an unrelated inbound one."""
    msgs = [
        Msg(
            conv_id(1),
            "Kari Hansen",
            url("kari-hansen-0002"),
            [ME],
            [ME_URL],
            T0,
            "Hi Ola,  nice to meet you at the meetup.",
        ),
        Msg(
            conv_id(1),
            ME,
            ME_URL,
            ["Kari Hansen"],
            [url("kari-hansen-0002")],
            T0 + timedelta(hours=1),
            "Likewise, Kari!",
        ),
        Msg(
            conv_id(2),
            "Per Olsen",
            url("per-olsen-0003"),
            [ME],
            [ME_URL],
            T0 + timedelta(days=2),
            "Quick question about your talk, Ola",
        ),
    ]
    if layout == "2018":
        for m in msgs:
            m.direction = "OUTGOING" if m.sender == ME else "INCOMING"
            m.folder = "SENT" if m.sender == ME else "INBOX"
    # LinkedIn writes newest first within a conversation.
    return list(reversed(msgs))


def _conns(layout: str) -> list[Conn]:
    return [
        Conn("Kari", "Hansen", "kari-hansen-0002", date(2024, 5, 5), "Fjord AS", "CTO"),
        Conn("Per", "Olsen", "per-olsen-0003", date(2022, 1, 3)),
    ]


@pytest.mark.parametrize(
    ("layout", "conn_layout", "msg_name"),
    [
        ("2018", "2018", "Messages.csv"),
        ("2021", "2021", "messages.csv"),
        ("2023", "2023", "messages.csv"),
        ("2025", "2023", "messages.csv"),
        ("2024", "2023", "messages.csv"),
        ("2026", "2023", "messages.csv"),
    ],
)
def test_every_layout_reads_the_same_conversations(
    tmp_path: Path, layout: str, conn_layout: str, msg_name: str
) -> None:
    files = {
        msg_name: messages_csv(layout, _thread(layout)),
        "Connections.csv": connections_csv(conn_layout, _conns(conn_layout)),
    }
    export = read_export(write_folder(tmp_path / layout, files))
    assert export.owner is not None and export.owner.name == ME
    assert export.malformed == {}
    assert export.files["messages"].columns == tuple(MESSAGE_HEADERS[layout])
    assert len(export.files["messages"].columns) == len(MESSAGE_HEADERS[layout])
    assert [m.sent_at for m in export.messages] == sorted(m.sent_at for m in export.messages)
    first = export.messages[0]
    assert first.sender_name == "Kari Hansen"
    assert first.direction is Direction.INCOMING
    assert first.sent_at == T0.replace(second=0) if layout == "2018" else first.sent_at == T0
    assert first.sent_at.tzinfo is UTC
    assert export.messages[1].direction is Direction.OUTGOING
    conn = export.connection_for(first.sender_name, first.sender_url)
    assert conn is not None and conn.connected_on == date(2024, 5, 5)
    # Both conversations are told apart, including the 2018 layout that has no ids.
    assert len({m.conversation_id for m in export.messages}) == 2
    assert export.files["connections"].preamble is (conn_layout != "2018")
    assert export.files["connections"].final_newline is (conn_layout == "2018")


def test_zip_with_top_folder_and_mixed_case_names(tmp_path: Path) -> None:
    files = {
        "MESSAGES.CSV": messages_csv("2023", _thread("2023")),
        "connections.csv": connections_csv("2023", _conns("2023")),
        "Jobs/Job Applications.csv": "Application Date,Company\n",
    }
    path = write_zip(tmp_path / "x.zip", files, top="Complete_LinkedInDataExport_05-06-2024")
    export = read_export(path)
    assert len(export.messages) == 3
    assert len(export.connections) == 2


def test_drafts_attachments_and_coach_files(tmp_path: Path) -> None:
    msgs = _thread("2024")
    msgs.append(
        Msg(
            "",
            "",
            ME_URL,
            ["Per Olsen"],
            [url("per-olsen-0003")],
            T0 + timedelta(days=3),
            "unfinished",
            draft=True,
        )
    )
    coach_header = ",".join(MESSAGE_HEADERS["2024"]) + "\n"
    files = {
        "messages.csv": messages_csv("2024", msgs),
        "coach_messages.csv": messages_csv("2024", _thread("2024")),
        "learning_coach_messages.csv": coach_header,
    }
    export = read_export(write_folder(tmp_path / "d", files))
    assert len(export.messages) == 4
    drafts = [m for m in export.messages if m.is_draft]
    assert len(drafts) == 1 and drafts[0].folder == ""
    assert any("AI-assistant" in w for w in export.warnings)

    att = "https://www.linkedin.com/dms/prv/image/v2/abc?m=AQ&ne=1&v=beta"
    msgs26 = _thread("2026")
    msgs26[0].attachments = att
    export26 = read_export(
        write_folder(tmp_path / "g", {"messages.csv": messages_csv("2026", msgs26)})
    )
    assert [m.attachments for m in export26.messages if m.attachments] == [att]


def test_header_only_and_missing_files(tmp_path: Path) -> None:
    files = {
        "messages.csv": ",".join(MESSAGE_HEADERS["2023"]) + "\n",
        "Invitations.csv": invitations_csv("2023", []),
    }
    export = read_export(write_folder(tmp_path / "h", files))
    assert export.messages == [] and export.invitations == []
    assert export.files["messages"].rows == 0
    assert not export.has_connections_file
    assert any("no connections file" in w for w in export.warnings)
    assert export.owner is None


def test_no_final_newline_and_empty_file(tmp_path: Path) -> None:
    text = messages_csv("2023", _thread("2023")).rstrip("\n")
    files = {"messages.csv": text, "Connections.csv": ""}
    export = read_export(write_folder(tmp_path / "n", files))
    assert len(export.messages) == 3
    assert export.files["messages"].final_newline is False
    assert any("empty file" in w for w in export.warnings)


def test_excel_resave_with_bom_crlf_and_short_dates(tmp_path: Path) -> None:
    rows = [
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
        f"Kari,Hansen,{url('kari-hansen-0002')},,Fjord AS,CTO,5-May-24",
        "Per,Olsen,,,,,3-Jan-22",
    ]
    data = b"\xef\xbb\xbf" + "\r\n".join(rows).encode() + b"\r\n"
    files: dict[str, str | bytes] = {
        "messages.csv": messages_csv("2023", _thread("2023")),
        "Connections.csv": data,
    }
    export = read_export(write_folder(tmp_path / "x", files))
    info = export.files["connections"]
    assert info.bom and info.crlf and not info.preamble
    assert [c.connected_on for c in export.connections] == [date(2024, 5, 5), date(2022, 1, 3)]
    assert export.connections[0].first_name == "Kari"  # BOM not glued to the first header
    warning = next(w for w in export.warnings if "spreadsheet" in w)
    assert "CRLF" in warning and "byte-order mark" in warning and "23-Apr-23" in warning


def test_cp1252_file_falls_back_with_warning(tmp_path: Path) -> None:
    msgs = _thread("2023")
    msgs[0].content = "Hej Ola, tack för igår – vi ses på fredag"
    data = messages_csv("2023", msgs).encode("cp1252")
    export = read_export(write_folder(tmp_path / "c", {"messages.csv": data}))
    assert export.files["messages"].encoding == "cp1252"
    assert any("cp1252" in w for w in export.warnings)
    assert any("tack för igår – vi" in m.text for m in export.messages)


def test_line_separator_html_template_token_and_groups(tmp_path: Path) -> None:
    ls_text = "First line\u2028second line\tafter a tab"
    html = (
        '<p class="spinmail-quill-editor__spin-break">Hi&nbsp;%FIRSTNAME%,</p>'
        '<p class="spinmail-quill-editor__spin-break"><br></p>'
        '<p class="spinmail-quill-editor__spin-break">Caf&eacute; &amp; more &rsquo;</p>'
    )
    group_to = ["Kari Hansen", "Nils Berg, MBA, PMP", "Per Olsen"]
    group_urls = [url("kari-hansen-0002"), url("nils-berg-0004"), url("per-olsen-0003")]
    msgs = [
        Msg(conv_id(3), "Kari Hansen", url("kari-hansen-0002"), [ME], [ME_URL], T0, ls_text),
        Msg(
            conv_id(4, "100"),
            "Sales Person",
            url("sales-person-0005"),
            [ME],
            [ME_URL],
            T0 + timedelta(minutes=1),
            html,
            subject="A quick idea",
            title="A quick idea",
        ),
        Msg(conv_id(5), ME, ME_URL, group_to, group_urls, T0 + timedelta(minutes=2), "Hi all"),
        Msg(
            conv_id(6),
            "Jo Single",
            url("jo-single-0006"),
            [ME],
            [ME_URL],
            T0 + timedelta(minutes=3),
            "x",
        ),
    ]
    text = messages_csv("2023", msgs)
    export = read_export(write_folder(tmp_path / "u", {"messages.csv": text}))
    assert export.files["messages"].rows == 4
    by_conv = {m.conversation_id: m for m in export.messages}
    assert by_conv[conv_id(3)].text == ls_text  # U+2028 kept inside the one row
    spin = by_conv[conv_id(4, "100")]
    assert spin.is_html and spin.content_raw == html
    assert spin.text == "Hi %FIRSTNAME%,\nCafé & more ’"
    group = by_conv[conv_id(5)]
    assert group.recipient_names == tuple(group_to)
    assert group.recipient_urls == tuple(group_urls)


def test_recipient_with_bare_comma_trusts_url_count(tmp_path: Path) -> None:
    header = ",".join(MESSAGE_HEADERS["2023"])
    row = (
        f'{conv_id(9)},,Kari Hansen,{url("kari-hansen-0002")},"Ola,Nordmann",{ME_URL},'
        "2024-05-06 08:30:00 UTC,,hello,INBOX"
    )
    export = read_export(write_folder(tmp_path / "b", {"messages.csv": f"{header}\n{row}\n"}))
    assert export.messages[0].recipient_names == ("Ola,Nordmann",)


def test_system_rows_and_linkedin_personas(tmp_path: Path) -> None:
    msgs = [
        *_thread("2023"),
        Msg(conv_id(7), "", "", [], [], T0, "Message request accepted"),
        Msg(conv_id(8), "Pat from LinkedIn Premium", "", [ME], [ME_URL], T0, "Try Premium"),
        Msg(
            conv_id(9),
            "LinkedIn Member",
            "",
            [ME],
            [ME_URL],
            T0,
            "<p>Sponsored</p>",
            title="Sponsored Conversation",
        ),
        Msg(conv_id(10), "Acme Cloud", "", [ME], [ME_URL], T0, "Join our summit"),
    ]
    export = read_export(write_folder(tmp_path / "s", {"messages.csv": messages_csv("2023", msgs)}))
    flags = {m.sender_name: m.is_system for m in export.messages}
    assert flags[""] and flags["Pat from LinkedIn Premium"] and flags["LinkedIn Member"]
    assert not flags["Acme Cloud"] and not flags["Kari Hansen"]
    assert export.owner is not None and export.owner.name == ME


def test_malformed_rows_are_counted_per_file(tmp_path: Path) -> None:
    text = messages_csv("2023", _thread("2023"))
    text += "only,three,fields\n"
    text += f"{conv_id(1)},,Kari Hansen,,{ME},,yesterday-ish,,bad date,INBOX\n"
    export = read_export(write_folder(tmp_path / "m", {"messages.csv": text}))
    assert len(export.messages) == 3
    assert export.malformed == {"messages.csv": 2}
    assert any("2 malformed" in w for w in export.warnings)


def test_owner_from_profile_and_invitations(tmp_path: Path) -> None:
    invs = [
        Inv(
            "Kari Hansen",
            ME,
            T0 - timedelta(days=1),
            "INCOMING",
            "Hello from the meetup",
            url("kari-hansen-0002"),
            ME_URL,
        ),
        Inv(ME, "Per Olsen", T0 - timedelta(days=9), "OUTGOING", "", ME_URL, url("per-olsen-0003")),
    ]
    export = read_export(
        write_folder(tmp_path / "i", {"Invitations.csv": invitations_csv("2023", invs)})
    )
    assert export.owner is not None and export.owner.url == ME_URL
    assert export.invitations[0].direction is Direction.INCOMING
    assert export.invitations[0].message == "Hello from the meetup"
    assert export.invitations[0].sent_at == (T0 - timedelta(days=1)).replace(second=0)

    files = {
        "messages.csv": messages_csv("2023", _thread("2023")),
        "Profile.csv": "First Name,Last Name,Headline\nOla,Nordmann,Engineer\n",
    }
    export2 = read_export(write_folder(tmp_path / "p", files))
    assert export2.owner is not None and export2.owner.name == ME and export2.owner.url == ME_URL


def test_name_join_without_urls_2021(tmp_path: Path) -> None:
    files = {
        "messages.csv": messages_csv("2021", _thread("2021")),
        "Connections.csv": connections_csv("2021", _conns("2021")),
    }
    export: Export = read_export(write_folder(tmp_path / "j", files))
    assert export.owner is not None and export.owner.url == ME_URL
    per = next(m for m in export.messages if m.sender_name == "Per Olsen")
    conn = export.connection_for(per.sender_name, per.sender_url)
    assert conn is not None and conn.connected_on == date(2022, 1, 3)
    assert export.connection_for("Nobody Here") is None


def test_progress_callback_reaches_total(tmp_path: Path) -> None:
    files = {"messages.csv": messages_csv("2023", _thread("2023"))}
    seen: list[tuple[int, int]] = []
    read_export(write_zip(tmp_path / "p.zip", files), progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1] > 0


def test_html_stripping_is_linear_on_hostile_markup() -> None:
    import time

    from pitchless.linkedin import html_to_text, looks_like_html

    nasty = "<p " + " " * 200_000 + "<a/" + "/" * 200_000 + "<script>" + "x" * 100_000
    start = time.perf_counter()
    assert looks_like_html(nasty + "<br>")
    html_to_text(nasty + "<br>")
    assert time.perf_counter() - start < 1.0
    assert html_to_text("<p>Hi<br/>there</p><script>evil()</script>") == "Hi\nthere"
