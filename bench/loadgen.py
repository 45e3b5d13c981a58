"""An open-loop load generator: requests are offered at a fixed arrival rate, whether or not the
server keeps up, and each latency is measured from the moment the request was DUE, not from when
it was sent. A closed loop (send the next request when the last one returns) slows down with the
server and hides queueing (coordinated omission); this does not.

    result = asyncio.run(offer(rate=100, seconds=60, make_request=..., base_url=...))
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

RequestMaker = Callable[[aiohttp.ClientSession, int], Awaitable[int]]


@dataclass
class LoadResult:
    rate: float
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def offered(self) -> int:
        return len(self.latencies_ms) + self.errors

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p95(self) -> float:
        return self.percentile(95)

    @property
    def p99(self) -> float:
        return self.percentile(99)


async def offer(
    *,
    rate: float,
    seconds: float,
    make_request: RequestMaker,
    connections: int = 256,
    timeout: float = 30.0,
) -> LoadResult:
    """Offer `rate` requests per second for `seconds`; `make_request(session, i)` returns a status."""
    result = LoadResult(rate=rate, seconds=seconds)
    total = int(rate * seconds)
    connector = aiohttp.TCPConnector(limit=connections)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as session:
        start = time.perf_counter()

        async def one(i: int) -> None:
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                status = await make_request(session, i)
            except Exception as error:  # a failed request is a result, not a crash
                result.errors += 1
                if len(result.error_samples) < 5:
                    result.error_samples.append(repr(error))
                return
            if 200 <= status < 400:
                result.latencies_ms.append((time.perf_counter() - due) * 1000)
            else:
                result.errors += 1
                if len(result.error_samples) < 5:
                    result.error_samples.append(f"HTTP {status}")

        await asyncio.gather(*(one(i) for i in range(total)))
        result.elapsed = time.perf_counter() - start
    return result


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain Markdown table, for the terminal and for docs/benchmarks.md alike."""
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=False)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)) + " |"  # noqa: E731
    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)
