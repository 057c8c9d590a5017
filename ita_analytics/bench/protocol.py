"""Sessions for the load benchmark that speak Streamlit's protocol as a browser does, drawing nothing."""

from __future__ import annotations

import asyncio
import time

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from ita_analytics.bench.load import RUN_TIMEOUT_S


class ProtocolSession:
    """One dashboard session over the app's websocket, as a browser tab holds it.

    It asks for page runs as the menu does (a rerun request naming the page's script hash)
    and reads every message the server sends, so the server does the same work as for a
    browser; nothing is drawn, so a benchmark machine can hold many at little cost. A page
    run lasts from the request to the ``script_finished`` message of the run it started.
    The errors a browser would show are noted from the messages: an exception element, an
    error alert, "page not found", a script that did not compile, a lost connection.
    """

    kind = "protocol"

    def __init__(self, url: str):
        self.ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.nav: list[tuple[str, str]] = []  # (url path, page script hash), menu order
        self.found: list[str] = []
        self.waiting: asyncio.Future | None = None
        self.run_started = False

    async def open(self) -> float:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                open_timeout=RUN_TIMEOUT_S)
        self.reader = asyncio.create_task(self._read())
        return await self._run("")

    def pages(self) -> list[str]:
        return [path for path, _ in self.nav]

    async def go(self, page: str) -> float:
        return await self._run(dict(self.nav)[page])

    async def errors(self) -> list[str]:
        found, self.found = self.found, []
        return found

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
            try:
                await self.reader
            except (asyncio.CancelledError, Exception):  # closing: nothing left to report
                pass

    async def _run(self, page_script_hash: str) -> float:
        request = BackMsg()
        request.rerun_script.query_string = ""
        request.rerun_script.page_script_hash = page_script_hash
        self.waiting = asyncio.get_running_loop().create_future()
        self.run_started = False
        start = time.monotonic()
        await self.ws.send(request.SerializeToString())
        try:
            end = await asyncio.wait_for(self.waiting, RUN_TIMEOUT_S)
        except TimeoutError:
            raise RuntimeError(f"no script_finished in {RUN_TIMEOUT_S:.0f} s") from None
        return end - start

    def _finish(self, outcome: float | BaseException) -> None:
        if self.waiting is not None and not self.waiting.done():
            if isinstance(outcome, BaseException):
                self.waiting.set_exception(outcome)
            else:
                self.waiting.set_result(outcome)

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                self._note(data, time.monotonic())
        except Exception as error:  # the connection broke: the page would say so
            self.found.append(f"connection lost: {type(error).__name__}")
            self._finish(RuntimeError(f"connection lost: {error}"))
            return
        self.found.append("connection closed by the server")
        self._finish(RuntimeError("connection closed by the server"))

    def _note(self, data: bytes, at: float) -> None:
        message = ForwardMsg()
        message.ParseFromString(data)
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.run_started = True
        elif kind == "navigation":
            pages = [p for p in message.navigation.app_pages if not p.is_hidden]
            self.nav = [(p.url_pathname, p.page_script_hash) for p in pages]
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            shown = element.WhichOneof("type")
            if shown == "exception":
                self.found.append(" ".join(f"{element.exception.type}: "
                                           f"{element.exception.message}".split())[:200])
            elif shown == "alert" and element.alert.format == Alert.ERROR:
                self.found.append(" ".join(element.alert.body.split())[:200])
        elif kind == "page_not_found":
            self.found.append(f"page not found: {message.page_not_found.page_name}")
        elif kind == "script_finished" and self.run_started:
            status = message.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                self.found.append("the script did not compile")
            if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                self._finish(at)


async def protocol_session(url: str) -> ProtocolSession:
    """A :class:`ProtocolSession` on the server at ``url`` (the load step's session factory)."""
    return ProtocolSession(url)
