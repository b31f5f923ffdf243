"""consult.batching: calls that arrive while a batch runs go together in the next one."""

from __future__ import annotations

import asyncio

import pytest

from consult.batching import Batcher


async def settle() -> None:
    """Let the loop run what is ready (submissions, batches starting) before looking."""
    for _ in range(5):
        await asyncio.sleep(0)


class Recorder:
    """A run() that records its batches and waits for the test's go-ahead before answering."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.go = asyncio.Event()

    async def run(self, items: list[int]) -> list[int | BaseException]:
        self.batches.append(list(items))
        await self.go.wait()
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]


async def test_a_lone_call_goes_at_once_and_the_calls_that_wait_go_together() -> None:
    recorder = Recorder()
    batcher: Batcher[int, int] = Batcher(recorder.run, in_flight=1)
    first = asyncio.ensure_future(batcher.submit(0))
    await settle()
    assert recorder.batches == [[0]]  # sent without waiting for company
    rest = [asyncio.ensure_future(batcher.submit(i)) for i in (2, 4, 6)]
    await settle()
    assert recorder.batches == [[0]]  # the one connection is busy: they wait
    recorder.go.set()
    assert await first == 0
    assert await asyncio.gather(*rest) == [20, 40, 60]
    assert recorder.batches == [[0], [2, 4, 6]]
    assert (batcher.batches, batcher.items) == (2, 4)


async def test_each_caller_gets_its_own_answer_or_its_own_error() -> None:
    recorder = Recorder()
    recorder.go.set()
    batcher: Batcher[int, int] = Batcher(recorder.run, in_flight=1)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(4)), return_exceptions=True)
    assert results[0] == 0 and results[2] == 20
    assert isinstance(results[1], ValueError) and str(results[1]) == "odd 1"
    assert isinstance(results[3], ValueError) and str(results[3]) == "odd 3"


async def test_a_failed_batch_fails_its_callers_only() -> None:
    calls = 0

    async def run(items: list[int]) -> list[int | BaseException]:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(0.01)
            raise ConnectionError("database went away")
        return items

    batcher: Batcher[int, int] = Batcher(run, in_flight=1)
    first = asyncio.ensure_future(batcher.submit(1))
    await settle()
    second = asyncio.ensure_future(batcher.submit(2))
    with pytest.raises(ConnectionError):
        await first
    assert await second == 2  # the next batch is not hurt


async def test_a_batch_answering_the_wrong_number_of_results_is_an_error_not_a_mixup() -> None:
    async def run(items: list[int]) -> list[int | BaseException]:
        return items[:-1]

    batcher: Batcher[int, int] = Batcher(run, in_flight=1)
    first = asyncio.ensure_future(batcher.submit(1))
    with pytest.raises(RuntimeError):
        await first


async def test_batches_are_cut_at_max_size_and_run_side_by_side_up_to_in_flight() -> None:
    recorder = Recorder()
    batcher: Batcher[int, int] = Batcher(recorder.run, max_size=2, in_flight=2)
    futures = [asyncio.ensure_future(batcher.submit(i * 2)) for i in range(5)]
    await settle()
    assert recorder.batches == [[0], [2]]  # two side by side, each sent at once; the rest wait
    recorder.go.set()
    assert await asyncio.gather(*futures) == [0, 20, 40, 60, 80]
    assert recorder.batches == [[0], [2], [4, 6], [8]]  # no batch above max_size


async def test_a_caller_that_goes_away_does_not_break_the_batch() -> None:
    recorder = Recorder()
    batcher: Batcher[int, int] = Batcher(recorder.run, in_flight=1)
    first = asyncio.ensure_future(batcher.submit(0))
    await settle()
    gone = asyncio.ensure_future(batcher.submit(2))
    stays = asyncio.ensure_future(batcher.submit(4))
    await settle()
    gone.cancel()
    recorder.go.set()
    assert await first == 0
    assert await stays == 40
    await batcher.close()


def test_sizes_below_one_are_refused() -> None:
    async def run(items: list[int]) -> list[int | BaseException]:
        return list(items)

    with pytest.raises(ValueError):
        Batcher(run, max_size=0)
    with pytest.raises(ValueError):
        Batcher(run, in_flight=0)
