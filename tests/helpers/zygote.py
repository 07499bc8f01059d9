"""Run `yuntai` as a real child process without paying Python's start-up and the bot's imports each time.

Why: every `yuntai` subprocess spent most of its second starting Python and importing SQLAlchemy, Alembic
and the bot before doing anything; the console, curation, knowledge-base file and digest tests run dozens.
A zygote process imports all that once and forks a child per command: one for the whole run under
pytest-xdist (the controller starts it, and it builds the SQLite templates the workers copy:
`start_shared`), else one per test process. The child is
a real process: its own pid, environment, working directory, stdin/stdout/stderr pipes, database
connections and exit code; what it does not repeat is the interpreter start-up, nor, at exit, the
teardown of the modules the zygote loaded (`finish`; tests/e2e/test_zygote_exit.py holds the end of a
child to that of `python -c`). So tests whose subject is the command's behaviour use `run`/`popen` here,
and tests whose subject is the installed entry point or interpreter start-up itself (argument decoding, a
terminal, a closed stdout, `python -m adapters.cli`) keep starting a fresh interpreter: test_cli_hardening.py's
argv bytes, the terminal tests of test_console_scripting.py and test_cli.py's entry-point test.

Usage mirrors subprocess: `run(["kb", "list"], env=..., cwd=..., input=..., timeout=...)` returns a
`subprocess.CompletedProcess` (text); `popen(...)` starts one and `.communicate(timeout)` finishes it.
`module="tests.helpers.digest_racer"` runs that module as `python -m` would, `code=...` as `python -c`.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

SERVER = r'''
import json, os, runpy, select, socket, sys
root, path, lifeline, seeded = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, root)


def build_templates(folder):
    """The SQLite templates every test process copies (helpers.seeded_db), built by a forked child.

    In a child, so that what building needs (the tests' tiny knowledge base, hence pytest) is never
    loaded into the zygote and so into every command. They are complete before the zygote answers a
    test process's first request, which is what it waits for.
    """
    pid = os.fork()
    if pid == 0:
        try:
            from tests.helpers import seeded_db
            for kind in seeded_db.KINDS:
                seeded_db.build(kind, "sqlite:///" + os.path.join(folder, kind + ".db"))
        except BaseException:
            import traceback
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("the shared zygote could not build the SQLite templates")
    return "sqlite:///" + os.path.join(folder, "seeded.db")


def load(seeded):
    """Import what every command needs, once, and leave the heap as the children will share it."""
    global adapters
    import adapters.cli, adapters.wiring, storage.bootstrap, storage.seed_files, alembic.command  # noqa: F401
    import bot.word_forms, matplotlib  # noqa: E401 - loaded once here, as a long-running bot has them loaded
    if not seeded:  # shared by the test processes of a pytest-xdist run (see start_shared)
        seeded = build_templates(os.path.dirname(path))
    bot.word_forms.forms("walk")  # reads the word-form table (lru_cache) before the fork
    # The shipped seed's compiled matchers, as a child loads the seed from its seeded copy: a child whose
    # knowledge equals it finds them in bot.compiled_knowledge instead of compiling (0.2 CPU-s a command).
    # Loaded on this thread and closed before any fork: no storage thread or connection outlives it.
    import bot.compiled_knowledge
    store = storage.bootstrap.open_storage(seeded, migrate=False)
    try:
        bot.compiled_knowledge.compiled(store.knowledge.knowledge_base())
    finally:
        store.close()
    del store
    import threading
    assert threading.active_count() == 1, threading.enumerate()  # forking with another thread alive is unsafe
    matplotlib.use("Agg", force=False)  # what bot/charts.py does on first use
    import matplotlib.figure  # noqa: F401
    import gc
    # What is loaded here is the children's shared, never-freed heap: keep it out of their collections. A
    # child's exit otherwise walked all of it (its reference counts and collector links), copying each page
    # it touched from the zygote: 0.55 s of every command, against 0.07 s frozen (and 2 ms now that `finish`
    # skips the module teardown). What a command allocates itself is collected as usual, at run time and at exit.
    gc.freeze()


listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if seeded:
    load(seeded)
    listener.bind(path)
    listener.listen(64)
else:
    # A shared zygote listens at once but loads only when a test process first asks (`shared_folder`): a run
    # of tests that never need it pays for a process start, not for the imports and templates.
    listener.bind(path)
    listener.listen(64)
    if lifeline in select.select([listener, lifeline], [], [])[0]:
        os._exit(0)
    load(seeded)
print("ready", flush=True)


def command(request, fds):
    """Become the command, then end the way the interpreter ends a program (see `finish`)."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    standard_streams()
    sys.argv = request["argv"]
    try:
        if request["code"] is not None:
            exec(compile(request["code"], "<string>", "exec"), {"__name__": "__main__"})
        elif request["module"]:
            runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        else:
            sys.exit(adapters.cli.main(request["argv"][1:]))
        code = 0
    except SystemExit as exc:
        code = exit_code(exc.code)
    except KeyboardInterrupt:  # uncaught, the interpreter prints it and dies of SIGINT (seen as -2)
        sys.excepthook(*sys.exc_info())
        finish(None)
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    finish(code)


def standard_streams():
    """Open stdin, stdout and stderr as a fresh interpreter would for the command's environment and pipes.

    The zygote's own were opened for the zygote: with PYTHONUNBUFFERED in the test process's environment,
    every child's stdout was unbuffered whatever the command's environment said, which hides a reply the
    command forgot to flush. As CPython's create_stdio: buffered unless PYTHONUNBUFFERED, line-buffered on
    a terminal (stderr always), newlines untranslated, the descriptors never closed by the objects.
    """
    import io
    unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))
    for fd, name in enumerate(("stdin", "stdout", "stderr")):
        old = getattr(sys, name)
        raw = io.FileIO(fd, "rb" if fd == 0 else "wb", closefd=False)
        raw.name = f"<{name}>"
        buffered = fd == 0 or not unbuffered
        buffer = (io.BufferedReader(raw) if fd == 0 else io.BufferedWriter(raw)) if buffered else raw
        stream = io.TextIOWrapper(buffer, encoding=old.encoding, errors=old.errors, newline="\n",
                                  line_buffering=buffered and (raw.isatty() or fd == 2),
                                  write_through=not buffered)
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def exit_code(arg):
    """What the interpreter turns `sys.exit(arg)` into: None is 0, an int itself, anything else printed and 1."""
    if arg is None:
        return 0
    if isinstance(arg, int):
        return arg & 0xFF
    print(arg, file=sys.stderr)
    return 1


def finish(code):
    """End as Py_FinalizeEx does, up to the part that only tears the zygote's modules down.

    Kept, in the interpreter's order: waiting for non-daemon threads, atexit handlers (logging's flush,
    engines disposed, so SQLite's checkpoint on close), a collection of what the command allocated
    (its unreachable files and connections closed by their finalizers), the flush of stdout and stderr
    (a failed flush makes the exit status 120, as in CPython). Skipped: clearing every module's globals.
    In a forked child that writes the reference count of every object the zygote loaded, copying 16,000
    pages (66 ms of CPU a command, against 2 ms); it is the zygote's heap, not the command's. A killed
    interpreter (code None) re-raises SIGINT as CPython does for an uncaught KeyboardInterrupt.
    """
    import atexit, gc, signal, threading
    threading._shutdown()
    atexit._run_exitfuncs()
    gc.collect()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception as exc:  # CPython: "Exception ignored in: <stream>", then status 120
            if code is not None:
                code = 120
            try:
                os.write(2, f"Exception ignored in: {stream!r}\n{exc!r}\n".encode())
            except OSError:
                pass
    if code is None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code)


def reap():
    """Wait for finished handlers, so their CPU time is counted (as `time make test` reports) and no zombies stay."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


while True:
    readable, _, _ = select.select([listener, lifeline], [], [], 0.5)
    reap()
    if lifeline in readable:  # the test process is gone (end of file on the lifeline): so is the zygote
        os._exit(0)
    if listener not in readable:
        continue
    conn, _ = listener.accept()
    if os.fork() == 0:  # a handler: start the command, report its pid, then its exit code
        listener.close()
        os.close(lifeline)
        message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        request = json.loads(message)
        if request.get("wake"):  # a test process asking whether the zygote is loaded: by now it is
            conn.sendall(b'{"ready": true}\n')
            os._exit(0)
        pid = os.fork()
        if pid == 0:
            conn.close()
            command(request, fds)
        for fd in fds:
            os.close(fd)
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        _, status = os.waitpid(pid, 0)
        conn.sendall(json.dumps({"code": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
        os._exit(0)
    conn.close()
'''


class _Zygote:
    def __init__(self, shared: bool = False) -> None:
        """Start a zygote for this process and wait until it listens; `shared`: for the test processes of a
        pytest-xdist run, started by its controller, which does not wait (they do, in `shared_folder`)."""
        self.shared = shared
        self.folder = tempfile.mkdtemp(prefix="yuntai-zygote-")
        self.path = os.path.join(self.folder, "socket")
        lifeline, self.lifeline = os.pipe()  # the zygote exits when this process's end closes, however it ends
        if shared:
            seeded = ""  # the zygote builds the SQLite templates itself, in its folder
        else:
            from .seeded_db import seeded_copy

            seeded = seeded_copy(Path(self.folder) / "seeded.db")  # what the zygote compiles the seed's matchers from
        # A process group of its own, so that `stop` can end whatever it left (a template build, a command).
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER, str(ROOT), self.path, str(lifeline), seeded],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL if shared else subprocess.PIPE,
                                     cwd=self.folder, pass_fds=(lifeline,), process_group=0)
        os.close(lifeline)
        atexit.register(self.stop)
        if shared:
            return
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.strip() != b"ready":
            raise RuntimeError(f"the yuntai zygote did not start (exit {self.proc.poll()})")

    def stop(self) -> None:
        if self.lifeline < 0:  # stopped already (the session's end, then atexit)
            return
        os.close(self.lifeline)  # the zygote reaps its children and exits
        self.lifeline = -1
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # busy loading, say: it reads its lifeline only between requests
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # what it had forked and not reaped: a build, a command
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


_zygote: _Zygote | None = None
_lock = threading.RLock()  # _socket_path -> _Zygote -> seeded_copy -> shared_folder, on one thread
_shared: dict[str, Any] | None = None  # a pytest-xdist worker: the zygote its controller started


def start_shared() -> dict[str, Any]:
    """Start the zygote every worker of a pytest-xdist run uses (called by the controller); where to find it.

    Why: each worker used to start its own zygote and build its own SQLite templates: 2.6 CPU-seconds a
    worker, the same work three times over on two cores. The controller starts this one as the workers
    start, without waiting; it loads when a worker's first test needs it (`shared_folder` wakes it).
    """
    global _zygote
    with _lock:
        if _zygote is None:
            _zygote = _Zygote(shared=True)
        return {"socket": _zygote.path, "folder": _zygote.folder, "pid": _zygote.proc.pid}


def use_shared(info: dict[str, Any]) -> None:
    """In a worker: use the controller's zygote and its templates (see `start_shared`)."""
    global _shared
    _shared = dict(info)


def shared_info() -> dict[str, Any] | None:
    """Where the run's shared zygote and its folder are (a pytest-xdist worker), without waking it; else None."""
    with _lock:
        return None if _shared is None else dict(_shared)


def owned_shared_folder() -> str | None:
    """The controller: the folder of the shared zygote it started (`start_shared`), else None."""
    with _lock:
        return _zygote.folder if _zygote is not None and _zygote.shared else None


def _running(pid: int) -> bool:
    """Whether `pid` runs: a zygote that died stays a zombie of the controller until it is reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def shared_folder(timeout: float = 60) -> str | None:
    """The shared zygote's folder once it has loaded (its SQLite templates are there by then), else None.

    The first call wakes it: it loads on a test process's first request. None means this process starts
    its own zygote and builds its own templates, as with `-n 0`: no shared zygote was started, or it died,
    or it did not answer within `timeout` seconds (less than a test's own limit, 120 s).
    """
    global _shared
    with _lock:
        if _shared is None:
            return None
        if not _shared.get("awake"):
            deadline = time.monotonic() + timeout
            while not os.path.exists(_shared["socket"]):  # it binds within milliseconds of starting
                if not _running(_shared["pid"]) or time.monotonic() > deadline:
                    _shared = None
                    return None
                time.sleep(0.01)
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                    conn.settimeout(max(deadline - time.monotonic(), 0.1))
                    conn.connect(_shared["socket"])
                    conn.sendall(json.dumps({"wake": True}).encode())
                    awake = json.loads(conn.makefile("r").readline() or "{}").get("ready") is True
            except (OSError, ValueError):
                awake = False
            if not awake:
                _shared = None
                return None
            _shared["awake"] = True
        return _shared["folder"]


def _socket_path() -> str:
    """Where this process's commands are forked: the run's shared zygote, else one of its own (started here)."""
    global _zygote
    with _lock:
        if shared_folder() is not None:
            assert _shared is not None
            return _shared["socket"]
        if _zygote is None or _zygote.proc.poll() is not None:
            _zygote = _Zygote()
        return _zygote.path


def _connect() -> socket.socket:
    """A connection to this process's zygote; a shared one that went away is replaced by one of our own."""
    global _shared
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(_socket_path())
    except OSError:
        with _lock:
            if _shared is None:
                conn.close()
                raise
            _shared = None
        conn.close()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(_socket_path())
    return conn


def shutdown() -> None:
    """Stop this process's zygote, if it started (the end of the test session; atexit is only the fallback)."""
    global _zygote
    with _lock:
        if _zygote is not None:
            _zygote.stop()
            _zygote = None


class Child:
    """A forked `yuntai` process: text pipes like `subprocess.Popen(..., text=True)`."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str, module: str | None,
                 code: str | None = None, stderr: int | None = None) -> None:
        self.conn = _connect()
        ends = [os.pipe() for _ in range(2 if stderr is not None else 3)]  # (read, write) each
        child_fds = [ends[0][0], ends[1][1], ends[2][1] if stderr is None else stderr]
        request = {"argv": argv, "env": env, "cwd": cwd, "module": module, "code": code}
        socket.send_fds(self.conn, [json.dumps(request).encode()], child_fds)
        for fd in child_fds[:2] if stderr is not None else child_fds:  # the caller's own stderr stays open
            os.close(fd)
        self.stdin = open(ends[0][1], "w", encoding="utf-8")  # noqa: SIM115 - closed in communicate
        self.stdout = open(ends[1][0], encoding="utf-8", errors="replace")  # noqa: SIM115
        self.stderr = (open(ends[2][0], encoding="utf-8", errors="replace")  # noqa: SIM115
                       if stderr is None else None)
        self.replies = self.conn.makefile("r", encoding="utf-8")
        self.pid = json.loads(self.replies.readline())["pid"]
        self.returncode: int | None = None
        self.args = argv

    def communicate(self, input: str | None = None, timeout: float | None = None) -> tuple[str, str]:
        out: list[str] = []
        err: list[str] = []

        def feed() -> None:
            try:
                if input:
                    self.stdin.write(input)
                self.stdin.close()
            except BrokenPipeError:
                pass

        threads = [threading.Thread(target=feed)]
        if not self.stdout.closed:  # a test may close its end first, as a reader that went away
            threads.append(threading.Thread(target=lambda: out.append(self.stdout.read())))
        if self.stderr is not None:
            stderr = self.stderr
            threads.append(threading.Thread(target=lambda: err.append(stderr.read())))
        for t in threads:
            t.start()
        self.conn.settimeout(timeout)
        try:
            self.returncode = json.loads(self.replies.readline())["code"]
        except TimeoutError:
            os.kill(self.pid, 9)
            raise subprocess.TimeoutExpired(self.args, timeout or 0) from None
        finally:
            for t in threads:
                t.join(timeout)
            self.stdout.close()
            if self.stderr is not None:
                self.stderr.close()
            self.replies.close()
            self.conn.close()
        return "".join(out), "".join(err)


def popen(args: list[str], *, env: dict[str, str] | None = None, cwd: Path | str | None = None,
          module: str | None = None, code: str | None = None, stderr: int | None = None) -> Child:
    """Start `yuntai ARGS` (or `python -m MODULE ARGS`, or `python -c CODE ARGS`) in a forked child.

    `stderr`: a file descriptor of the caller's (a terminal, say) to be the child's stderr instead of a pipe;
    the child's stderr then reads as "".
    """
    argv = ["-c" if code is not None else module or "yuntai", *args]
    return Child(argv, dict(os.environ if env is None else env), str(cwd or os.getcwd()), module, code, stderr)


def run(args: list[str], *, env: dict[str, str] | None = None, cwd: Path | str | None = None,
        input: str | None = None, timeout: float | None = 120, module: str | None = None,
        code: str | None = None, stderr: int | None = None) -> subprocess.CompletedProcess[str]:
    """`subprocess.run(["yuntai", *args], capture_output=True, text=True, ...)` in a forked child."""
    child = popen(args, env=env, cwd=cwd, module=module, code=code, stderr=stderr)
    out, err = child.communicate(input, timeout)
    return subprocess.CompletedProcess(child.args, child.returncode or 0, out, err)
