"""Staff import the union's member list; a booking can then check a membership number and surname."""

from __future__ import annotations

from typing import Any

import aiohttp

from consult.accounts.register import check_membership
from tests.conftest import login

GOOD_AND_BAD = (
    "Номер;ФИО;Регион;Организация;Email\n"
    "KZ-0001;Ахметова Гульнар Серiковна;almaty;Школа-гимназия № 12;Gulnar@Example.org\n"
    "0002;Әлиев Нұрлан;Абай облысы;СШ № 3;\n"
    "0003;Иванов Пётр;Atlantis;Лицей № 1;\n"
    ";Без Номера;astana;Школа № 5;\n"
    "0004;Сидорова Анна;Astana;Школа № 7;not-an-email\n"
    "0002;Дубль Номера;astana;Школа № 8;\n"
    "0005;Токтарова Айжан;Karaganda Region\n"
)


async def upload(client: Any, csrf: str, data: bytes, **extra: str) -> Any:
    form = aiohttp.FormData()
    form.add_field("csrf_token", csrf)
    form.add_field("file", data, filename="members.csv", content_type="text/csv")
    for key, value in extra.items():
        form.add_field(key, value)
    return await client.post("/staff/register?lang=en", data=form)


async def test_staff_imports_the_member_list_and_sees_what_was_rejected_and_why(
    client: Any, factory: Any, db: Any
) -> None:
    staff = await factory.user("staff", language="en")
    csrf = await login(client, staff)
    response = await upload(client, csrf, GOOD_AND_BAD.encode())
    assert response.status == 200
    html = await response.text()
    assert "Accepted rows: 2 (new: 2, updated: 0) · Rejected rows: 5" in html
    for line, reason in (
        (4, "Unknown region."),
        (5, "The membership number is missing or not valid."),
        (6, "The email address is not valid."),
        (7, "This membership number appears earlier in the file."),
        (8, "The row needs 4 or 5 columns."),
    ):
        assert f"<tr><td>{line}</td><td>{reason}</td></tr>" in html
    rows = await db.fetch(
        "SELECT membership_no, full_name, email, active FROM membership_register ORDER BY 1"
    )
    assert [tuple(r) for r in rows] == [
        ("0002", "Әлиев Нұрлан", None, True),
        ("KZ-0001", "Ахметова Гульнар Серiковна", "gulnar@example.org", True),
    ]
    detail = await db.fetchval("SELECT detail FROM audit_log WHERE action = 'register_imported'")
    assert '"accepted": 2' in detail and '"rejected": 5' in detail


async def test_a_new_full_list_updates_members_and_can_retire_those_missing(
    client: Any, factory: Any, db: Any
) -> None:
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    await upload(client, csrf, GOOD_AND_BAD.encode())
    again = "0002,Әлиева Нұрлан,abai,СШ № 4\n0009,Жаңа Мүше,shymkent,Колледж\n".encode()
    response = await upload(client, csrf, again, deactivate_missing="on")
    assert "Accepted rows: 2 (new: 1, updated: 1)" in await response.text()
    rows = await db.fetch(
        "SELECT membership_no, full_name, organization, active FROM membership_register ORDER BY 1"
    )
    assert [tuple(r) for r in rows] == [
        ("0002", "Әлиева Нұрлан", "СШ № 4", True),
        ("0009", "Жаңа Мүше", "Колледж", True),
        ("KZ-0001", "Ахметова Гульнар Серiковна", "Школа-гимназия № 12", False),
    ]


async def test_a_windows_1251_file_from_excel_is_read(client: Any, factory: Any, db: Any) -> None:
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    response = await upload(client, csrf, "777;Ким Ольга;Алматы;Школа № 1\n".encode("cp1251"))
    assert response.status == 200
    assert await db.fetchval("SELECT full_name FROM membership_register") == "Ким Ольга"


async def test_an_empty_upload_is_refused_and_a_lawyer_cannot_import(client: Any, factory: Any) -> None:
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    response = await upload(client, csrf, b"  \n")
    assert response.status == 400
    assert "Choose a CSV file or paste its rows." in await response.text()
    client.session.cookie_jar.clear()
    lawyer_csrf = await login(client, await factory.user("lawyer"))
    assert (await upload(client, lawyer_csrf, GOOD_AND_BAD.encode())).status == 403


async def test_booking_checks_a_membership_number_with_the_surname(db: Any) -> None:
    region = await db.fetchval("SELECT id FROM regions WHERE code = 'almaty'")
    await db.execute(
        "INSERT INTO membership_register (membership_no, full_name, region_id, organization, active) VALUES"
        " ('KZ-0001', 'Ахметова Гульнар Серiковна', $1, 'Школа', true),"
        " ('0002', 'Әлиев Нұрлан', $1, 'Школа', true), ('0003', 'Фёдорова Анна', $1, 'Школа', false)",
        region,
    )
    assert await check_membership(db, "kz-0001", "Ахметова")
    assert await check_membership(db, " kz-0001 ", "ахметова")
    assert await check_membership(db, "0002", "ӘЛИЕВ")
    assert await check_membership(db, "0002", "Нұрлан Әлиев")  # a whole name as typed
    assert not await check_membership(db, "KZ-0001", "Иванова")  # the wrong surname
    assert not await check_membership(db, "KZ-0001", "")
    assert not await check_membership(db, "9999", "Ахметова")  # not in the register
    assert not await check_membership(db, "0003", "Федорова")  # no longer active
    assert not await check_membership(db, "'; DROP TABLE users; --", "x")
