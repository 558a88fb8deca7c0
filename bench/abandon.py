#!/usr/bin/env python3
"""Requests abandoned mid-answer, as a browser does when its person navigates away.

    bench/abandon.py BASE SECONDS CONNECTIONS COOKIE PATH [PATH ...]

CONNECTIONS loops run for SECONDS: each sends `GET PATH` with `Cookie: COOKIE` on a new
connection, waits a random 0-40 ms (often before the render has finished, so the server drops
it half-way) and closes the connection. Prints how many requests it sent and how many it cut
before their answer ended. A render torn down while its async parts still run on other workers
is what wedged a worker in issue 20, so the soak (bench/soak.sh) runs this beside its load.
"""

import asyncio
import random
import sys
import time
from urllib.parse import urlsplit


async def loop(host, port, deadline, cookie, paths, counts):
    while time.monotonic() < deadline:
        path = random.choice(paths)
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 2)
        except (OSError, asyncio.TimeoutError):
            await asyncio.sleep(0.05)
            continue
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
            "Accept: text/html\r\nConnection: close\r\n\r\n"
        )
        writer.write(request.encode())
        counts["sent"] += 1
        try:
            await asyncio.wait_for(reader.read(-1), random.uniform(0, 0.04))
        except asyncio.TimeoutError:
            counts["cut"] += 1
        except OSError:
            pass
        writer.transport.abort()


async def main():
    base, seconds, connections, cookie, *paths = sys.argv[1:]
    url = urlsplit(base)
    deadline = time.monotonic() + float(seconds)
    counts = {"sent": 0, "cut": 0}
    await asyncio.gather(
        *(
            loop(url.hostname, url.port, deadline, cookie, paths, counts)
            for _ in range(int(connections))
        )
    )
    print(f"abandon: {counts['sent']} sent, {counts['cut']} cut mid-answer")


if __name__ == "__main__":
    asyncio.run(main())
