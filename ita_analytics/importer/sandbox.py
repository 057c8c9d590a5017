"""Reading an uploaded file in a child process with memory and time limits, so no file can
take the dashboard or the CLI down.

A small server process (started once, with the reader's modules loaded, never touching a
file) forks one child per file; the child reads the file under its limits, answers through
a pipe and exits. Forking a warm process costs milliseconds where starting Python costs
about 100 ms; the server is started with ``subprocess`` (fork + exec), so it is safe from
Streamlit's threads, and it has one thread itself, so it may fork.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
import traceback

from ita_analytics import settings
from ita_analytics.importer.messages import texts
from ita_analytics.importer.read import (
    ImportRejected,
    Sheet,
    _read_with_openpyxl,
    read_tables_here,
    refuse_at_once,
)

READ_SECONDS = 4.0
"""Wall-clock seconds a file may take to read, from its child's start, plus
:data:`READ_SECONDS_PER_MB` per MB of it: a hostile file of up to half a megabyte is refused
within 5 s (the national year file, 0.8 MB, reads in 0.2 s); the largest files the limits
allow (18 MB, 3 million cells) read in 8 s on an idle 2-core machine, 17–23 s on a busy one,
and are allowed 40 s."""
READ_SECONDS_PER_MB = 2.0
READ_MEMORY_MB = 1024
"""Memory (address space) the child may take beyond what it holds before reading; the
largest national files take about 350 MB."""
MAX_RESULT_MB = 128
"""Largest read result (its cells, pickled) handed back to this process: the national year
file's is 2.7 MB. One shared string of 1 MB in 120 cells is 120 MB of text from a file of
160 KB; more than this is refused instead of being copied into the dashboard's memory."""
FORWARDED_SETTINGS = ("upload_max_mb", "import_max_rows", "import_max_columns")
"""Settings the reader uses, passed with each file as this process sees them then (the
server was started earlier, perhaps with another environment)."""
SERVER_START_SECONDS = 60
"""How long a new server may take to load the reader's modules and start a child (0.2–1 s)."""
IDLE_SERVERS = 2
"""Servers kept for later files (one per file read at the same time, as sessions may)."""

# The importer package's __init__ loads pandas and DuckDB (0.4 s, 120 MB); the reader needs
# neither, so the server registers the package without running it and imports this module.
_BOOTSTRAP = """\
import sys, types
sys.path[:0] = [{root!r}]
package = types.ModuleType("ita_analytics.importer")
package.__path__ = [{importer!r}]
sys.modules["ita_analytics.importer"] = package
from ita_analytics.importer.sandbox import serve
serve()
"""
_HEAD = 9
"""A frame on a pipe: one byte of kind, eight of payload length (big-endian), the payload.
Kinds: Q the request (to the server); P the child's process id, R part of its answer, E part
of its error output, S its exit code (from the server)."""
_ERROR_TAIL = 65536


def read_tables(data: bytes, file_name: str) -> list[Sheet]:
    """The sheets of an uploaded .xlsx or .csv file, as cell values.

    Raises :class:`ImportRejected` (Thai and English message) for empty, oversized,
    damaged, unsafe (zip bomb, XML bomb) or unsupported files, and for sheets beyond the
    row/column/cell limits of the settings. The file is read in a child process with memory
    and time limits (:func:`read_in_child`): a file that overruns them is
    refused, and no file can take this process down.
    """
    refuse_at_once(data, file_name)
    return read_in_child(data, file_name)


def read_in_child(data: bytes, file_name: str) -> list[Sheet]:
    """:func:`~ita_analytics.importer.read.read_tables_here` run in a child process forked for
    this one file.

    Over its time (:data:`READ_SECONDS`) the child is killed; over its memory
    (:data:`READ_MEMORY_MB`) or its result size (:data:`MAX_RESULT_MB`) it stops: each is
    an :class:`ImportRejected` naming the file, in Thai and English.
    """
    seconds = READ_SECONDS + READ_SECONDS_PER_MB * len(data) / 1_048_576
    request = pickle.dumps({
        "data": data, "file_name": file_name, "seconds": seconds,
        "memory_mb": READ_MEMORY_MB, "max_result": int(MAX_RESULT_MB * 1_048_576),
        "env": {settings.SETTING_BY_NAME[name].env: str(settings.get(name))
                for name in FORWARDED_SETTINGS},
    }, protocol=pickle.HIGHEST_PROTOCOL)
    server = _checkout()
    try:
        out, err, code, killed = server.run(request, seconds,
                                            int(MAX_RESULT_MB * 1_048_576) + (1 << 20))
    except _ServerGone as gone:
        server.stop()
        raise RuntimeError(f"the reading server ended while reading {file_name}:\n{gone}") \
            from None
    _checkin(server)
    if killed == "time":
        raise _refusal("read_timeout", file_name, seconds=seconds)
    if killed == "size":
        raise _refusal("too_much_data", file_name, size=len(out))
    return _answer(out, err, code, file_name, seconds)


def _answer(out: bytes, err: bytes, returncode: int, file_name: str, seconds: float
            ) -> list[Sheet]:
    """The sheets the child sent, or the refusal its answer or its end stands for."""
    if returncode == 0 and out:
        try:
            answer = _ResultUnpickler(out).load()
        except Exception:
            # Only a child taken over by the file could send something else.
            raise _refusal("read_crashed", file_name) from None
        kind = answer[0]
        if kind == "sheets":
            return answer[1]
        if kind == "rejected":
            raise ImportRejected(*answer[1:])
        if kind in ("read_memory", "too_much_data"):
            raise _refusal(kind, file_name, size=answer[1] if len(answer) > 1 else 0)
        raise RuntimeError(f"reading {file_name} failed in the child process:\n{answer[1]}")
    if returncode in (-signal.SIGKILL, -signal.SIGXCPU):
        raise _refusal("read_timeout", file_name, seconds=seconds)
    if returncode == -signal.SIGABRT or b"MemoryError" in err:
        # Rust aborts the process when an allocation fails (calamine's sheet ranges).
        raise _refusal("read_memory", file_name)
    if returncode < 0:
        raise _refusal("read_crashed", file_name)
    raise RuntimeError(f"the reading process for {file_name} ended with code {returncode}:\n"
                       + err.decode("utf-8", errors="replace")[-3000:])


def _refusal(code: str, file_name: str, *, seconds: float = 0.0, size: int = 0
             ) -> ImportRejected:
    """``code`` (read_timeout, read_memory, too_much_data, read_crashed) as a refusal."""
    reason = texts(f"read_refused.{code}", seconds=seconds, memory_mb=READ_MEMORY_MB,
                   size_mb=size / 1_048_576, limit_mb=MAX_RESULT_MB)
    return ImportRejected(code, *texts("read_refused", file=file_name, reason=reason))


class _ResultUnpickler(pickle.Unpickler):
    """Unpickles only what a read result holds: the child parses hostile bytes, so its answer
    may not name any other class (pickle would otherwise import and call it)."""

    ALLOWED = {("ita_analytics.importer.read", "Sheet"), ("datetime", "datetime"),
               ("datetime", "date"), ("datetime", "time"), ("datetime", "timedelta"),
               ("datetime", "timezone")}

    def __init__(self, payload: bytes):
        import io

        super().__init__(io.BytesIO(payload))

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a read result")
        return super().find_class(module, name)


# --- this process's side: the servers --------------------------------------------------------

class _ServerGone(Exception):
    """The server process ended or stopped answering (never because of a file)."""


def _frame(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(8, "big") + payload


class _Server:
    """A started server process, used by one thread at a time."""

    def __init__(self):
        code = _BOOTSTRAP.format(root=str(settings.BASE_DIR),
                                 importer=str(settings.PACKAGE_DIR / "importer"))
        self.process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        bufsize=0)
        self.owner = os.getpid()
        self.buffer = bytearray()

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def run(self, request: bytes, seconds: float, max_out: int
            ) -> tuple[bytes, bytes, int, str | None]:
        """(answer, error output, exit code, None or why the child was killed: "time" or
        "size") of one request, the child killed once ``seconds`` have passed."""
        try:
            self.process.stdin.write(_frame(b"Q", request))
        except OSError as error:
            raise _ServerGone(self._error_output()) from error
        # The file's time counts from its child's start: a server just started first loads
        # the reader's modules.
        deadline = time.monotonic() + SERVER_START_SECONDS
        pid, out, err, killed = None, [], bytearray(), None
        received = 0
        while True:
            if pid is not None and killed is None and time.monotonic() >= deadline:
                killed = "time"
                self._kill(pid)
            frame = self._next(deadline if killed is None else time.monotonic() + 10)
            if frame is None:
                if pid is None:
                    raise _ServerGone(f"no child started within {SERVER_START_SECONDS} s")
                if killed is not None:
                    raise _ServerGone("no exit code 10 s after the child was killed")
                continue
            kind, payload = frame
            if kind == b"P":
                pid = int(payload)
                deadline = time.monotonic() + seconds
            elif kind == b"R" and killed is None:
                out.append(payload)
                received += len(payload)
                if received > max_out:  # only a child taken over by the file sends more
                    killed = "size"
                    self._kill(pid)
            elif kind == b"E":
                err += payload
                del err[:-_ERROR_TAIL]
            elif kind == b"S":
                return b"".join(out), bytes(err), int(payload), killed

    def _kill(self, pid: int) -> None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it ended meanwhile; the server sends its exit code all the same

    def _next(self, deadline: float) -> tuple[bytes, bytes] | None:
        """The next frame from the server, or None at the deadline."""
        fd = self.process.stdout.fileno()
        while True:
            if len(self.buffer) >= _HEAD:
                size = int.from_bytes(self.buffer[1:_HEAD], "big")
                if len(self.buffer) >= _HEAD + size:
                    kind, payload = bytes(self.buffer[:1]), bytes(self.buffer[_HEAD:_HEAD + size])
                    del self.buffer[:_HEAD + size]
                    return kind, payload
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise _ServerGone(self._error_output())
            self.buffer += chunk

    def _error_output(self) -> str:
        self.stop()
        return self.process.stderr.read()[-3000:].decode("utf-8", errors="replace")

    def stop(self) -> None:
        """End the server: it exits when its input closes (killed if it does not)."""
        if self.owner != os.getpid():
            return
        try:
            self.process.stdin.close()
            self.process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


_idle: list[_Server] = []
_idle_lock = threading.Lock()


def _checkout() -> _Server:
    """An idle server if there is one alive, else a new one (about 100 ms to start)."""
    with _idle_lock:
        while _idle:
            server = _idle.pop()
            if server.alive():
                return server
    return _Server()


def _checkin(server: _Server) -> None:
    with _idle_lock:
        if len(_idle) < IDLE_SERVERS and server.alive():
            _idle.append(server)
            return
    server.stop()


@atexit.register
def _stop_servers() -> None:
    with _idle_lock:
        servers = _idle[:]
        _idle.clear()
    for server in servers:
        server.stop()


# --- the server's side -----------------------------------------------------------------------

def serve() -> None:
    """The server: for each request on stdin, fork a child to read the file, relay what it
    writes (answer and error output) as frames on stdout, then its exit code. Ends when
    stdin closes."""
    try:
        _warm_up()
    except Exception:  # noqa: BLE001  (without it every read is only slower)
        pass
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    for fd in (0, 1):
        _widen(fd)
    while True:
        head = stdin.read(_HEAD)
        if len(head) < _HEAD:
            os._exit(0)
        request = stdin.read(int.from_bytes(head[1:], "big"))
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        _widen(out_write)
        pid = os.fork()
        if pid == 0:
            try:
                os.close(out_read)
                os.close(err_read)
                _child(request, out_write, err_write)
            finally:
                traceback.print_exc()
                os._exit(1)  # never back into this loop: the child is not a server
        os.close(out_write)
        os.close(err_write)
        del request
        stdout.write(_frame(b"P", str(pid).encode()))
        stdout.flush()
        kinds = {out_read: b"R", err_read: b"E"}
        while kinds:
            for fd in select.select(list(kinds), [], [])[0]:
                chunk = os.read(fd, 1 << 20)
                if chunk:
                    stdout.write(_frame(kinds[fd], chunk))
                else:
                    os.close(fd)
                    del kinds[fd]
            stdout.flush()
        _, status = os.waitpid(pid, 0)
        stdout.write(_frame(b"S", str(os.waitstatus_to_exitcode(status)).encode()))
        stdout.flush()


def _warm_up() -> None:
    """Read a small workbook and a CSV built here, once, in the server, then freeze what it
    holds out of the garbage collector's sight: each child then starts with what a first
    read sets up (calamine's statics, regex and import caches) and copies fewer pages from
    the server as it runs: a child's read of a small file is several times faster, of a file
    only openpyxl reads over ten times."""
    import gc

    for data, name in warm_up_files():
        read_tables_here(data, name)
    # The fallback reader too: otherwise each child that needs it imports openpyxl (0.1–0.5 s).
    _read_with_openpyxl(warm_up_files()[0][0])
    gc.freeze()


def warm_up_files() -> list[tuple[bytes, str]]:
    """(bytes, name) of the small workbook and CSV the server reads before any file."""
    import io
    import zipfile

    buffer = io.BytesIO()
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(buffer, "w") as workbook:
        workbook.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'worksheet+xml"/></Types>'))
        workbook.writestr("_rels/.rels", (
            f'<Relationships xmlns="{relationships}"><Relationship Id="rId1" Type="http://'
            "schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
            'Target="xl/workbook.xml"/></Relationships>'))
        workbook.writestr("xl/workbook.xml", (
            f'<workbook xmlns="{main}" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="s" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'))
        workbook.writestr("xl/_rels/workbook.xml.rels", (
            f'<Relationships xmlns="{relationships}"><Relationship Id="rId1" Type="http://'
            "schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
            'Target="worksheets/sheet1.xml"/></Relationships>'))
        workbook.writestr("xl/worksheets/sheet1.xml", (
            f'<worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
            '<t>ชื่อ</t></is></c><c r="B1"><v>1.5</v></c></row></sheetData></worksheet>'))
    return [(buffer.getvalue(), "warm-up.xlsx"), ("ชื่อ,i1\nก,1.5\n".encode(), "warm-up.csv")]


def _widen(fd: int) -> None:
    """Let a pipe hold 1 MB instead of 64 KB: the national file's 2.7 MB answer then passes
    child → server → this process in three handovers instead of forty (each a wait for the
    scheduler on a busy machine)."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or above /proc/sys/fs/pipe-max-size: 64 KB still works


def _child(request_bytes: bytes, out: int, err: int) -> None:
    """A forked child's whole life: read the file under the limits, write the pickled
    answer to ``out``, exit."""
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(err, 2)
    request = pickle.loads(request_bytes)  # from the parent: trusted
    del request_bytes
    os.environ.update(request["env"])
    _limit(request["seconds"], request["memory_mb"])
    data, file_name, max_result = request["data"], request["file_name"], request["max_result"]
    del request
    try:
        payload = _pickled(("sheets", read_tables_here(data, file_name)), max_result)
    except _TooMuch as too_much:
        payload = pickle.dumps(("too_much_data", too_much.args[0]))
    except ImportRejected as error:
        payload = pickle.dumps(("rejected", error.code, error.message_th, error.message_en))
    except MemoryError:
        payload = pickle.dumps(("read_memory",))
    except Exception:
        payload = pickle.dumps(("error", traceback.format_exc()))
    view = memoryview(payload)
    while view:
        view = view[os.write(out, view):]
    os._exit(0)


class _TooMuch(Exception):
    """The answer grew past the size allowed (args: its size so far)."""


class _CappedBuffer:
    """Where an answer is pickled: gives up as soon as it passes ``limit`` bytes (120 MB of
    text is refused after pickling 128 MB of it, not all 313)."""

    def __init__(self, limit: int):
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, chunk) -> int:
        self.size += len(chunk)
        if self.size > self.limit:
            raise _TooMuch(self.size)
        self.parts.append(bytes(chunk))
        return len(chunk)


def _pickled(answer, limit: int) -> bytes:
    buffer = _CappedBuffer(limit)
    pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(answer)
    return b"".join(buffer.parts)


def _limit(seconds: float, memory_mb: int) -> None:
    """Cap this child's address space and CPU time (hard limits too: no raising them back;
    never above limits this process was started with), and keep a failed allocation's abort
    from writing a core file."""
    import resource

    with open("/proc/self/statm", "rb") as statm:
        address_space = int(statm.read().split()[0]) * resource.getpagesize()
    used = resource.getrusage(resource.RUSAGE_SELF)
    for limit, value in ((resource.RLIMIT_AS, address_space + memory_mb * 1_048_576),
                         (resource.RLIMIT_CPU, int(used.ru_utime + used.ru_stime + seconds) + 1),
                         (resource.RLIMIT_CORE, 0)):
        hard = resource.getrlimit(limit)[1]
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(limit, (value, value))
