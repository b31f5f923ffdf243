"""The demo data set: lawyers with weekly hours, a staff and a lawyer account, archive entries."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import time
from typing import Any

import asyncpg

from consult.security import hash_password

# (email, name, languages, topic slugs, weekly hours as (weekday, start, end), bio ru, bio kk, bio en)
LAWYERS = [
    (
        "lawyer@demo.consult.kz",
        "Айгуль Серикбаева",
        ["ru", "kk"],
        ["dismissal", "pay", "labour-disputes", "discipline"],
        [(d, "09:00", "13:00") for d in range(1, 6)] + [(d, "14:00", "18:00") for d in (1, 3, 5)],
        "Юрист профсоюза, 12 лет практики в трудовых спорах.",
        "Кәсіподақ заңгері, еңбек дауларында 12 жыл тәжірибесі бар.",
        "Union lawyer with 12 years in labour disputes.",
    ),
    (
        "d.akhmetov@demo.consult.kz",
        "Данияр Ахметов",
        ["kk", "ru"],
        ["leave", "working-time", "non-teaching-duties", "maternity"],
        [(d, "10:00", "17:00") for d in range(1, 6)],
        "Специалист по рабочему времени и отпускам педагогов.",
        "Педагогтардың жұмыс уақыты мен демалысы жөніндегі маман.",
        "Specialist in teachers' working time and leave.",
    ),
    (
        "e.kim@demo.consult.kz",
        "Елена Ким",
        ["ru", "en"],
        ["attestation", "pay", "collective-agreement"],
        [(d, "08:30", "12:30") for d in range(1, 6)],
        "Аттестация, категории и доплаты.",
        "Аттестаттау, санаттар және үстемеақылар.",
        "Attestation, categories and allowances.",
    ),
    (
        "n.zhaksylykova@demo.consult.kz",
        "Назира Жаксылыкова",
        ["kk"],
        ["maternity", "social-guarantees", "leave"],
        [(d, "09:00", "12:00") for d in (1, 2, 3, 4)] + [(d, "15:00", "18:00") for d in (2, 4)],
        "Социальные гарантии и декретный отпуск.",
        "Әлеуметтік кепілдіктер және бала күтімі демалысы.",
        "Social guarantees and maternity leave.",
    ),
    (
        "s.petrov@demo.consult.kz",
        "Сергей Петров",
        ["ru"],
        ["safety", "discipline", "labour-disputes"],
        [(d, "13:00", "19:00") for d in range(1, 6)],
        "Охрана труда и дисциплинарные дела.",
        "Еңбекті қорғау және тәртіптік істер.",
        "Occupational safety and disciplinary cases.",
    ),
    (
        "a.nurpeisova@demo.consult.kz",
        "Асель Нурпеисова",
        ["ru", "kk"],
        ["collective-agreement", "working-time", "pay"],
        [(d, "09:00", "13:00") for d in range(2, 7)],
        "Коллективные договоры и нагрузка.",
        "Ұжымдық шарттар және жүктеме.",
        "Collective agreements and teaching load.",
    ),
    (
        "b.omarov@demo.consult.kz",
        "Бауыржан Омаров",
        ["kk", "ru"],
        ["dismissal", "attestation", "non-teaching-duties"],
        [(d, "14:00", "18:00") for d in range(1, 6)],
        "Увольнения и аттестация.",
        "Жұмыстан шығару және аттестаттау.",
        "Dismissals and attestation.",
    ),
    (
        "m.tulegenova@demo.consult.kz",
        "Мария Тулегенова",
        ["ru", "kk", "en"],
        ["social-guarantees", "safety", "leave", "dismissal"],
        [(d, "09:30", "16:30") for d in (1, 3, 5)],
        "Социальные гарантии, охрана труда.",
        "Әлеуметтік кепілдіктер, еңбекті қорғау.",
        "Social guarantees, occupational safety.",
    ),
]
STAFF = ("staff@demo.consult.kz", "Гульмира Исаева")

UPSERT_USER = """
INSERT INTO users (role, email, name, password_hash, language, password_changed_at)
VALUES ($1, $2, $3, $4, $5, now())
ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role,
    password_hash = COALESCE(EXCLUDED.password_hash, users.password_hash), active = true
RETURNING id
"""


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


async def load_demo(
    conn: asyncpg.Connection, loaders: Sequence[Callable[[asyncpg.Connection], Awaitable[Any]]] = ()
) -> list[tuple[str, str, str]]:
    """Load (or refresh) the demo data, then each capability's (loaders); return the demo accounts."""
    accounts: list[tuple[str, str, str]] = []
    async with conn.transaction():
        topics = {r["slug"]: r["id"] for r in await conn.fetch("SELECT id, slug FROM topics")}
        staff_password = secrets.token_urlsafe(12)
        await conn.fetchval(
            UPSERT_USER, "staff", STAFF[0], STAFF[1], await hash_password(staff_password), "ru"
        )
        accounts.append(("staff", STAFF[0], staff_password))
        for index, (email, name, languages, slugs, weekly, bio_ru, bio_kk, bio_en) in enumerate(LAWYERS):
            password = secrets.token_urlsafe(12) if index == 0 else None
            hashed = await hash_password(password) if password else None
            user_id = await conn.fetchval(UPSERT_USER, "lawyer", email, name, hashed, languages[0])
            await conn.execute(
                """
                INSERT INTO lawyers (user_id, bio_ru, bio_kk, bio_en, languages)
                VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (user_id) DO UPDATE SET bio_ru = $2, bio_kk = $3, bio_en = $4, languages = $5
                """,
                user_id,
                bio_ru,
                bio_kk,
                bio_en,
                languages,
            )
            await conn.execute("DELETE FROM lawyer_topics WHERE lawyer_id = $1", user_id)
            await conn.executemany(
                "INSERT INTO lawyer_topics (lawyer_id, topic_id) VALUES ($1, $2)",
                [(user_id, topics[slug]) for slug in slugs],
            )
            await conn.execute("DELETE FROM availability_weekly WHERE lawyer_id = $1", user_id)
            await conn.executemany(
                "INSERT INTO availability_weekly (lawyer_id, weekday, starts, ends) VALUES ($1, $2, $3, $4)",
                [(user_id, day, _time(start), _time(end)) for day, start, end in weekly],
            )
            if password:
                accounts.append(("lawyer", email, password))
        for load in loaders:
            await load(conn)
    return accounts
