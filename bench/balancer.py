"""A tiny TCP round-robin balancer for the scale-out run (bench/scaleout.sh).

    python bench/balancer.py --listen 8100 --backend 8101 --backend 8102

Listens on 127.0.0.1 only and hands each incoming connection to the next
backend (also on 127.0.0.1), copying bytes both ways: two separate gunicorn
processes behind one address, as a load balancer (nginx, haproxy, a cloud
LB) would put them on two machines. Connection-level, so a keep-alive
connection stays with one backend, as most balancers do by default.
Stops by itself after --seconds (bounded, like every load loop here).
"""

import argparse
import asyncio
import itertools

HOST = "127.0.0.1"


async def _pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main(listen: int, backends: list[int], seconds: float) -> None:
    ring = itertools.cycle(backends)

    async def handle(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(HOST, next(ring))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, up_writer), _pipe(up_reader, client_writer))

    server = await asyncio.start_server(handle, HOST, listen, backlog=512)
    async with server:
        try:
            await asyncio.wait_for(server.serve_forever(), timeout=seconds)
        except TimeoutError:
            pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--backend", type=int, action="append", required=True)
    parser.add_argument("--seconds", type=float, default=900)
    args = parser.parse_args()
    asyncio.run(main(args.listen, args.backend, args.seconds))
