#!/usr/bin/python3
"""The tutorial's echo servers, written the way Python's standard library
suggests, as reference points for the C++ models (not contenders: an
interpreter does far more work per message).

  --model threading  socketserver.ThreadingTCPServer: a thread per connection
  --model forking    socketserver.ForkingTCPServer: a process per connection
  --model asyncio    asyncio streams: one event loop, a task per connection

They keep echo-server's contract (docs/cli.md): `listening on
HOST:PORT` on stdout once ready (also for --port 0), exit 0 on SIGINT or
SIGTERM within 2 s with every connection closed and every child reaped,
exit 1 naming the address when it cannot listen, exit 2 for bad usage.
TCP only; RFC 862's half-close is kept (everything received is echoed, then
the server closes its side).

Usage: servers/python/echo_server.py --model threading|forking|asyncio
                                      [--host 127.0.0.1] [--port 9999]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import socketserver
import sys
import threading

CHUNK = 16 * 1024  # as the C++ models read


def ready(host: str, port: int) -> None:
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    print(f"listening on {where}", flush=True)


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        connection: socket.socket = self.request
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while data := connection.recv(CHUNK):
                connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)  # half-close: all of it came back
        except OSError:
            pass  # reset or broken pipe: this client is gone, the others are not


def server_class(model: str, host: str) -> type:
    base = socketserver.ThreadingTCPServer if model == "threading" else socketserver.ForkingTCPServer
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # daemon_threads: exiting does not wait for a client that never closes
    # (its socket closes with the process). block_on_close: server_close()
    # waits for the children, which run_socketserver has SIGKILLed: all reaped.
    return type("EchoServer", (base,), {"allow_reuse_address": True, "daemon_threads": True,
                                       "block_on_close": model == "forking", "address_family": family})


def run_socketserver(model: str, host: str, port: int) -> int:
    server = server_class(model, host)((host, port), EchoHandler)
    stop = threading.Event()

    def on_signal(*_):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ready(host, server.server_address[1])
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    serving.start()
    stop.wait()
    server.shutdown()
    serving.join()
    if model == "forking":
        for pid in list(server.active_children or ()):
            try:
                os.kill(pid, signal.SIGKILL)  # a child blocked on a silent client
            except ProcessLookupError:
                pass
    server.server_close()  # reaps the children (forking)
    return 0


async def echo_stream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()  # back-pressure: a client that never reads holds one buffer
        writer.write_eof()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def run_asyncio(host: str, port: int) -> int:
    server = await asyncio.start_server(echo_stream, host, port, reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    ready(host, server.sockets[0].getsockname()[1])
    await stop.wait()
    server.close()
    for task in asyncio.all_tasks() - {asyncio.current_task()}:
        task.cancel()  # every connection's task: close them all
    await asyncio.sleep(0)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, choices=["threading", "forking", "asyncio"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9999)
    args = parser.parse_args()  # exit 2 with a message on bad usage
    if not 0 <= args.port <= 65535:
        parser.error("--port must be from 0 to 65535")
    try:
        if args.model == "asyncio":
            return asyncio.run(run_asyncio(args.host, args.port))
        return run_socketserver(args.model, args.host, args.port)
    except OSError as error:
        where = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
        print(f"echo_server.py: cannot listen on {where}: {error.strerror or error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
