"""The floor: a bare aiohttp handler doing one indexed single-row asyncpg query.

python -m bench.floor --dsn URL --port P
"""

from __future__ import annotations

import argparse
import random

import asyncpg
from aiohttp import web

SETUP = """
CREATE TABLE IF NOT EXISTS bench_floor (id integer PRIMARY KEY, payload text NOT NULL);
INSERT INTO bench_floor SELECT i, md5(i::text) FROM generate_series(1, 10000) i ON CONFLICT DO NOTHING;
"""


def build(dsn: str) -> web.Application:
    app = web.Application()
    pool_key = web.AppKey("pool", asyncpg.Pool)

    async def pool_ctx(app: web.Application):  # type: ignore[no-untyped-def]
        pool = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
        async with pool.acquire() as conn:
            await conn.execute(SETUP)
        app[pool_key] = pool
        yield
        await pool.close()

    async def handler(request: web.Request) -> web.Response:
        async with request.app[pool_key].acquire() as conn:
            row = await conn.fetchrow(
                "SELECT id, payload FROM bench_floor WHERE id = $1", random.randint(1, 10000)
            )
        return web.json_response({"id": row["id"], "payload": row["payload"]})

    app.cleanup_ctx.append(pool_ctx)
    app.router.add_get("/floor", handler)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(build(args.dsn), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
