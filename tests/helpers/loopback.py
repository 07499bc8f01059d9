"""Tiny raw-HTTP loopback servers for network tests (no internet needed).

Why raw asyncio instead of ``aiohttp.web``: SSRF tests need responses a
well-behaved framework refuses to produce (lying ``Content-Length``, endless
bodies, 1-byte-per-tick drips, hand-made gzip bombs), and they must count
every accepted TCP connection, not just complete HTTP requests, to prove a
refused fetch never touched the target.

Usage (inside a coroutine run by ``asyncio.run``)::

    async with LoopbackServer({"/": respond(200, b"<title>x</title>")}) as srv:
        ... fetch srv.url("/") ...
        assert srv.connections == 1

Import as ``from helpers.loopback import ...`` (``tests/`` is on ``sys.path``
through the rootdir ``conftest.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field


@dataclass
class Request:
    """One parsed request head."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    peer: tuple[str, int]
    local: tuple[str, int]


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


def response_bytes(
    status: int = 200,
    body: bytes = b"",
    content_type: str | None = "text/html; charset=utf-8",
    headers: Mapping[str, str] | None = None,
    *,
    content_length: int | None = None,
) -> bytes:
    """Serialise a complete HTTP/1.1 response (``Connection: close``)."""
    lines = [f"HTTP/1.1 {status} X"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    lines.append("Connection: close")
    for key, value in (headers or {}).items():
        lines.append(f"{key}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def respond(
    status: int = 200,
    body: bytes | str = b"",
    content_type: str | None = "text/html; charset=utf-8",
    headers: Mapping[str, str] | None = None,
    *,
    content_length: int | None = None,
) -> Handler:
    """Handler that sends one fixed response."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    data = response_bytes(status, raw, content_type, headers, content_length=content_length)

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(data)
        await writer.drain()

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    """Handler that redirects to ``location`` (sent verbatim)."""
    return respond(status, b"", content_type=None, headers={"Location": location})


def endless(content_type: str = "text/html", chunk: bytes = b"A" * 65_536) -> Handler:
    """Handler that streams a body without length until the client hangs up."""

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nConnection: close\r\n\r\n"
        writer.write(head.encode())
        while not writer.is_closing():
            writer.write(chunk)
            await writer.drain()

    return handler


def drip(interval: float = 0.05, content_type: str = "text/html") -> Handler:
    """Handler that sends one body byte every ``interval`` seconds, forever."""

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nConnection: close\r\n\r\n"
        writer.write(head.encode())
        await writer.drain()
        while not writer.is_closing():
            writer.write(b"<")
            await writer.drain()
            await asyncio.sleep(interval)

    return handler


def gzip_bomb(decompressed_size: int, content_type: str = "text/html") -> Handler:
    """Handler that sends a small gzip body that inflates to ``decompressed_size`` bytes."""
    body = gzip.compress(b"\0" * decompressed_size, compresslevel=9)
    return respond(200, body, content_type, headers={"Content-Encoding": "gzip"})


@dataclass
class LoopbackServer:
    """Asyncio TCP server on a loopback address that serves ``routes`` by path.

    ``connections`` counts every accepted TCP connection; ``requests`` holds
    every parsed request.  Unknown paths answer 404.
    """

    routes: Mapping[str, Handler] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 0
    connections: int = 0
    requests: list[Request] = field(default_factory=list)
    _server: asyncio.AbstractServer | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def __aenter__(self) -> LoopbackServer:
        self._server = await asyncio.start_server(self._on_client, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 1)

    def url(self, path: str = "/", host: str | None = None, scheme: str = "http") -> str:
        """Absolute URL for ``path`` on this server (``host`` defaults to the bound address)."""
        name = host or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"{scheme}://{name}:{self.port}{path}"

    def hits(self, path: str) -> int:
        """How many requests asked for ``path``."""
        return sum(1 for r in self.requests if r.path == path)

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            lines = head.decode("latin-1").split("\r\n")
            method, path, _version = lines[0].split(" ", 2)
            headers: dict[str, str] = {}
            for line in lines[1:]:
                if ":" in line:
                    key, _, value = line.partition(":")
                    headers[key.strip().lower()] = value.strip()
            request = Request(
                method,
                path,
                headers,
                writer.get_extra_info("peername")[:2],
                writer.get_extra_info("sockname")[:2],
            )
            self.requests.append(request)
            handler = self.routes.get(path.split("?", 1)[0]) or respond(404, b"not found")
            await handler(request, writer)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        except asyncio.CancelledError:
            # Finish normally: asyncio's streams callback logs an error for a cancelled handler task.
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
            self._tasks.discard(task)  # type: ignore[arg-type]
