"""A local SMTP server (aiosmtpd) that accepts every message and counts them, in its own process.

    python -m bench.smtp_sink --port P --stats FILE

On SIGTERM or SIGINT it writes {"messages", "bytes", "first", "last"} (wall-clock seconds of the first
and the last message received) to FILE and exits. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from typing import Any

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0
        self.first: float | None = None
        self.last: float | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.time()
        self.first = self.first or now
        self.last = now
        self.messages += 1
        self.bytes += len(envelope.content or b"")
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description="counting SMTP sink")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stats", required=True)
    args = parser.parse_args()
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=args.port, data_size_limit=0)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller.start()
    print("ready", flush=True)
    while not stop.wait(0.2):
        pass
    controller.stop()
    with open(args.stats, "w", encoding="utf-8") as fp:
        json.dump(
            {
                "messages": counter.messages,
                "bytes": counter.bytes,
                "first": counter.first,
                "last": counter.last,
            },
            fp,
        )


if __name__ == "__main__":
    main()
