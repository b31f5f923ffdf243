"""The questions API is documented, and its answers match what the document says."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from consult.app import create_app
from consult.questions.openapi import PATHS, SCHEMAS
from tests.conftest import Factory, make_settings
from tests.questions.conftest import api_token, ask_body, insert_question


def check(schema: str, data: Any) -> None:
    Draft202012Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": {"schemas": SCHEMAS}}
    ).validate(data)


def test_every_questions_api_route_is_in_the_document() -> None:
    app = create_app(make_settings())
    documented = {(path, method) for path, item in PATHS.items() for method in item}
    served = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter", "")
        if path.startswith("/api/v1/questions") and route.method != "HEAD":
            served.add((path.replace("{id:\\d+}", "{id}"), route.method.lower()))
    assert served == documented


async def test_answers_match_their_schemas(client: Any, factory: Factory) -> None:
    created = await client.post("/api/v1/questions", json=ask_body())
    body = await created.json()
    check("QuestionCreated", body)
    lawyer = await factory.lawyer()
    auth = await api_token(factory, lawyer)
    check("QuestionQueue", await (await client.get("/api/v1/questions/queue", headers=auth)).json())
    taken = await client.post(f"/api/v1/questions/{body['id']}/take", headers=auth)
    check("QuestionDetail", await taken.json())
    asked = await client.post(
        f"/api/v1/questions/{body['id']}/messages", json={"body": "Дата приказа?"}, headers=auth
    )
    check("QuestionDetail", await asked.json())
    other = await insert_question(factory)
    check("QuestionForMember", await (await client.get(f"/api/v1/questions/manage/{other['token']}")).json())
    staff = await api_token(factory, await factory.user("staff"))
    check("QuestionWatch", await (await client.get("/api/v1/questions/watch", headers=staff)).json())
