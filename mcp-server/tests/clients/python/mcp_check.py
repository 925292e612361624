#!/usr/bin/env python3
"""Checks an MCP server the way another AI agent's client sees it, with the official MCP Python SDK.

Run by charla's Rust tests against `charla mcp` (stdio) and `charla serve` (Streamable HTTP), so
that a client written by someone else, not only rmcp's, can list and call charla's tools.

    python mcp_check.py [checks] stdio -- COMMAND [ARGS...]
    python mcp_check.py [checks] http URL [--token TOKEN]

Checks (every tool name comes from these flags; none is built in):
    --expect-tools a,b,c     the listed tool names are exactly these
    --expect-absent x,y      none of these is listed
    --call NAME JSON         (repeatable) succeeds: isError false and a structuredContent object
    --call-error NAME JSON   (repeatable) fails as a tool error: isError true with a message; a
                             JSON-RPC error instead is a failure, since tool errors must reach the
                             model as results
    --check-schemas          every tool has an object inputSchema and a non-empty description

Details go to stderr; stdout gets one JSON summary line. Exit status: 0 when every check passed,
1 when one failed, 2 when the server could not be reached or spoke no MCP.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, NoReturn

import anyio
import httpx2
from mcp import ClientSession, MCPError
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import PaginatedRequestParams

if sys.version_info < (3, 11):  # anyio brings the backport there
    from exceptiongroup import BaseExceptionGroup

# Longest a whole run may take: a hung server must fail the test, not hang it.
DEFAULT_TIMEOUT_SECONDS = 60.0
# How much of a tool's text is echoed into the report.
TEXT_PREVIEW_CHARS = 300

# HTTP answers that were not 2xx: the SDK reports a 401 only as "Server returned an error
# response", so the status is kept here for the error message.
http_errors: list[str] = []


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Parses the flags; what follows `--` is the stdio server's command line."""
    if "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1 :]
    else:
        command = []
    parser = argparse.ArgumentParser(
        description="Checks an MCP server with the official MCP Python SDK client.",
        usage="%(prog)s [checks] stdio -- COMMAND [ARGS...] | %(prog)s [checks] http URL [--token TOKEN]",
    )
    parser.add_argument("transport", choices=["stdio", "http"])
    parser.add_argument("url", nargs="?", help="the Streamable HTTP endpoint (http only)")
    parser.add_argument("--token", help="sent as `Authorization: Bearer TOKEN` (http only)")
    parser.add_argument(
        "--handshake",
        choices=["initialize", "discover"],
        default="initialize",
        help="initialize: the 2025 handshake (default); discover: the stateless 2026-07-28 revision",
    )
    parser.add_argument("--expect-tools", type=names, help="comma-separated: exactly these tools")
    parser.add_argument("--expect-absent", type=names, help="comma-separated: none of these tools")
    parser.add_argument("--call", nargs=2, action="append", default=[], metavar=("NAME", "JSON"))
    parser.add_argument("--call-error", nargs=2, action="append", default=[], metavar=("NAME", "JSON"))
    parser.add_argument("--check-schemas", action="store_true")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="seconds for the whole run")
    args = parser.parse_args(argv)

    if args.transport == "stdio":
        if not command:
            parser.error("stdio needs the server's command after `--`")
        if args.url or args.token:
            parser.error("URL and --token are for http")
    elif not args.url or command:
        parser.error("http needs a URL and no `--` command")
    # Arguments are checked before anything starts, so a typo is not reported as a server fault.
    args.call = [(name, arguments(name, text)) for name, text in args.call]
    args.call_error = [(name, arguments(name, text)) for name, text in args.call_error]
    return args, command


def names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def arguments(name: str, text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        usage_error(f"the arguments for {name} are not JSON ({e}): {text}")
    if not isinstance(value, dict):
        usage_error(f"the arguments for {name} must be a JSON object: {text}")
    return value


def usage_error(message: str) -> NoReturn:
    # Status 2, like argparse's own usage errors: the command line is wrong, not the server.
    print(f"mcp_check: {message}", file=sys.stderr)
    sys.exit(2)


@asynccontextmanager
async def connect(args: argparse.Namespace, command: list[str]) -> AsyncIterator[tuple[Any, Any]]:
    """The SDK's client transport for the chosen kind of server, as its stream pair."""
    if args.transport == "stdio":
        # The SDK passes only a safe subset of the environment by default; the server under
        # test needs all of it (its data directory, model paths, log settings...).
        server = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
        async with stdio_client(server) as streams:
            yield streams
        return
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else None
    # The SDK closes only an HTTP client it made itself; this one is closed here.
    async with (
        httpx2.AsyncClient(
            headers=headers,
            timeout=httpx2.Timeout(30.0, read=args.timeout),
            event_hooks={"response": [note_http_error]},
        ) as http,
        streamable_http_client(args.url, http_client=http) as streams,
    ):
        yield streams


async def note_http_error(response: httpx2.Response) -> None:
    if response.status_code >= 300:
        http_errors.append(f"HTTP {response.status_code} for {response.request.method} {response.request.url}")


def text_of(result: Any) -> str:
    return "\n".join(part.text for part in result.content if getattr(part, "type", None) == "text")


def preview(text: str) -> str:
    """One line of at most TEXT_PREVIEW_CHARS characters, for reports."""
    line = " ".join(text.split())
    return line if len(line) <= TEXT_PREVIEW_CHARS else line[: TEXT_PREVIEW_CHARS - 3] + "..."


def summarize(structured: dict[str, Any]) -> dict[str, Any]:
    """A short view of structured content: list lengths, object sizes, short scalars."""
    view: dict[str, Any] = {}
    for key, value in structured.items():
        if isinstance(value, list):
            view[key] = f"{len(value)} items"
        elif isinstance(value, dict):
            view[key] = f"{len(value)} fields"
        elif isinstance(value, str) and len(value) > 80:
            view[key] = value[:77] + "..."
        else:
            view[key] = value
    return view


class Checker:
    """Runs the checks on one session and collects what failed."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session
        self.failures: list[str] = []

    def fail(self, message: str) -> None:
        self.failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)

    async def list_tools(self) -> list[Any]:
        tools: list[Any] = []
        cursor = None
        while True:
            params = PaginatedRequestParams(cursor=cursor) if cursor else None
            page = await self.session.list_tools(params=params)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                return tools

    def expect_tools(self, listed: set[str], expected: list[str]) -> None:
        missing = sorted(set(expected) - listed)
        unexpected = sorted(listed - set(expected))
        if missing or unexpected:
            self.fail(f"tools differ from {sorted(expected)}: missing {missing}, unexpected {unexpected}")

    def expect_absent(self, listed: set[str], absent: list[str]) -> None:
        present = sorted(listed & set(absent))
        if present:
            self.fail(f"tools that must not be listed are: {present}")

    def check_schemas(self, tools: list[Any]) -> list[dict[str, Any]]:
        report = []
        for tool in tools:
            schema = tool.input_schema or {}
            if schema.get("type") != "object":
                self.fail(f"{tool.name}: inputSchema type is {schema.get('type')!r}, not 'object'")
            if not (tool.description or "").strip():
                self.fail(f"{tool.name}: no description")
            annotations = tool.annotations.model_dump(by_alias=True, exclude_none=True) if tool.annotations else None
            entry = {
                "name": tool.name,
                "title": tool.title,
                "annotations": annotations,
                "outputSchema": tool.output_schema is not None,
            }
            print(f"tool {json.dumps(entry)}", file=sys.stderr)
            report.append(entry)
        return report

    async def call(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        label = f"{name} {json.dumps(args)}"
        try:
            result = await self.session.call_tool(name, args)
        except MCPError as e:
            self.fail(f"{label}: JSON-RPC error {e.code} instead of a result: {e.message}")
            return {"name": name, "ok": False}
        except RuntimeError as e:
            # The SDK validates structuredContent against the tool's outputSchema.
            self.fail(f"{label}: {e}")
            return {"name": name, "ok": False}
        if result.is_error:
            self.fail(f"{label}: the tool failed: {preview(text_of(result))}")
            return {"name": name, "ok": False}
        if not isinstance(result.structured_content, dict):
            self.fail(f"{label}: no structuredContent object: {result.structured_content!r}")
            return {"name": name, "ok": False}
        summary = summarize(result.structured_content)
        print(f"call {label} -> {json.dumps(summary, ensure_ascii=False)}", file=sys.stderr)
        return {"name": name, "ok": True, "structured": summary}

    async def call_error(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        label = f"{name} {json.dumps(args)}"
        try:
            result = await self.session.call_tool(name, args)
        except MCPError as e:
            self.fail(
                f"{label}: JSON-RPC error {e.code} ({e.message}); tool errors must come back as "
                "results with isError true"
            )
            return {"name": name, "ok": False}
        message = preview(text_of(result))
        if not result.is_error:
            self.fail(f"{label}: expected a tool error, got a success: {message}")
            return {"name": name, "ok": False}
        if not message:
            self.fail(f"{label}: the tool error says nothing")
            return {"name": name, "ok": False}
        print(f"call-error {label} -> {message}", file=sys.stderr)
        return {"name": name, "ok": True, "error": message}


async def run(args: argparse.Namespace, command: list[str]) -> dict[str, Any]:
    summary: dict[str, Any] = {"transport": args.transport, "handshake": args.handshake}
    async with connect(args, command) as (read, write):
        async with ClientSession(read, write) as session:
            if args.handshake == "discover":
                await session.discover()
            else:
                await session.initialize()
            info = session.server_info
            summary["server"] = {"name": info.name, "version": info.version} if info else None
            summary["protocol"] = session.protocol_version

            checker = Checker(session)
            tools = await checker.list_tools()
            listed = {tool.name for tool in tools}
            summary["tools"] = sorted(listed)
            if args.expect_tools is not None:
                checker.expect_tools(listed, args.expect_tools)
            if args.expect_absent:
                checker.expect_absent(listed, args.expect_absent)
            if args.check_schemas:
                summary["schemas"] = checker.check_schemas(tools)
            summary["calls"] = [await checker.call(name, call_args) for name, call_args in args.call]
            summary["call_errors"] = [await checker.call_error(name, call_args) for name, call_args in args.call_error]
            summary["failures"] = checker.failures
    summary["ok"] = not summary["failures"]
    return summary


def describe(error: BaseException) -> str:
    """The root causes of an error, which the SDK's task groups wrap in exception groups."""
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(describe(inner) for inner in error.exceptions)
    return f"{type(error).__name__}: {error}"


async def run_within(args: argparse.Namespace, command: list[str]) -> dict[str, Any]:
    with anyio.fail_after(args.timeout):
        return await run(args, command)


def main() -> int:
    args, command = parse_args(sys.argv[1:])
    try:
        summary = anyio.run(run_within, args, command)
    except TimeoutError:
        error = f"no answer within {args.timeout:g} s"
    except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - any failure to talk MCP is reported
        error = describe(e)
        if http_errors:
            error += f" ({http_errors[-1]})"
    else:
        if summary["failures"]:
            print(f"mcp_check: {len(summary['failures'])} check(s) failed (the FAIL lines above)", file=sys.stderr)
        print(json.dumps(summary, ensure_ascii=False))
        return 0 if summary["ok"] else 1
    print(f"mcp_check: could not check the server: {error}", file=sys.stderr)
    print(json.dumps({"ok": False, "transport": args.transport, "error": error}, ensure_ascii=False))
    return 2


if __name__ == "__main__":
    sys.exit(main())
