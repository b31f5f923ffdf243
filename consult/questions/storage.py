"""Attachment files on disk: outside the web root, random names, readable by the service only."""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

from consult.settings import Settings


def attachments_dir(settings: Settings) -> Path:
    folder = Path(settings.questions.attachments_dir)
    return folder if folder.is_absolute() else Path.cwd() / folder


def _write(folder: Path, blobs: list[bytes]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    names: list[str] = []
    try:
        for data in blobs:
            name = secrets.token_hex(16)
            # O_EXCL: a name is never reused, even if 128 random bits collided.
            fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fp:
                fp.write(data)
            names.append(name)
    except BaseException:
        _remove(folder, names)
        raise
    return names


def _remove(folder: Path, names: list[str]) -> None:
    for name in names:
        (folder / name).unlink(missing_ok=True)


async def store(settings: Settings, blobs: list[bytes]) -> list[str]:
    """Write files under fresh random names; return the names."""
    return await asyncio.to_thread(_write, attachments_dir(settings), blobs)


async def remove(settings: Settings, names: list[str]) -> None:
    """Delete stored files (the question that would have held them was not saved)."""
    await asyncio.to_thread(_remove, attachments_dir(settings), names)


async def load(settings: Settings, name: str) -> bytes:
    if len(name) != 32 or not all(c in "0123456789abcdef" for c in name):
        raise FileNotFoundError(name)
    return await asyncio.to_thread((attachments_dir(settings) / name).read_bytes)
