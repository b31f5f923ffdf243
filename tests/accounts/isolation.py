"""A helper for every capability's "not yours" stories: someone else's object looks exactly missing."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient


async def assert_hidden(
    client: TestClient, method: str, path_of_other: str, path_of_missing: str, **request: Any
) -> None:
    """Assert another person's object answers 404, byte for byte as an object that does not exist.

    Use it for every endpoint that takes an object id: a lawyer reading another lawyer's booking,
    revoking another person's token. The same answer leaves nothing to learn by probing ids.
    """
    other = await client.request(method, path_of_other, allow_redirects=False, **request)
    other_body = await other.read()
    missing = await client.request(method, path_of_missing, allow_redirects=False, **request)
    missing_body = await missing.read()
    assert other.status == 404, (other.status, other_body[:500])
    assert missing.status == 404, (missing.status, missing_body[:500])
    assert other.content_type == missing.content_type
    # A page may repeat its own path (the language links); that is the one allowed difference.
    same_other = other_body.replace(path_of_other.split("?")[0].encode(), b"{path}")
    same_missing = missing_body.replace(path_of_missing.split("?")[0].encode(), b"{path}")
    assert same_other == same_missing
    if other.content_type == "application/json":
        assert (await other.json())["error"]["code"] == "not_found"
