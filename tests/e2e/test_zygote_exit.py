"""The zygote's children end as a fresh interpreter ends a program, or the tests that use them prove nothing.

The zygote skips the interpreter's module teardown (helpers/zygote.py `finish`) and redoes the rest of
Py_FinalizeEx by hand; each case runs the same program both ways and compares what a test can see.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from helpers import zygote

PROGRAMS = {
    "falls off the end": "print('done', end='')",
    "prints, then writes to the descriptor": "import os; print('printed'); os.write(1, b'written\\n')",
    "leaves its own stdout buffered": """
        import sys
        sys.stdout = open(1, 'w', closefd=False)  # block-buffered on a pipe, whatever PYTHONUNBUFFERED says
        print('only the flush at exit writes this')
    """,
    "exits with a number": "import sys; print('out'); sys.exit(3)",
    "exits with a message": "import sys; sys.exit('no such clip')",
    "exits with True": "import sys; sys.exit(True)",
    "raises": "raise ValueError('boom')",
    "interrupted": "raise KeyboardInterrupt",
    "leaves a thread running": """
        import threading, time
        def late():
            time.sleep(0.05)
            print('thread finished', flush=True)
        threading.Thread(target=late).start()
        print('main finished', flush=True)
    """,
    "registers atexit handlers": """
        import atexit, sys
        atexit.register(print, 'second')
        atexit.register(lambda: sys.stderr.write('first\\n'))
        sys.exit(4)
    """,
    "leaves garbage in a reference cycle": """
        import sys
        PATH = sys.argv[1]
        class Holder:
            def __del__(self):
                with open(PATH, 'w') as f:
                    f.write('collected')
        holder = Holder()
        holder.itself = holder  # only the collector frees it
        del holder
    """,
    "leaves a file open in a global": """
        import sys
        OUT = open(sys.argv[1], 'w')
        OUT.write('buffered; only the end of the program closes it')
    """,
    "logs at exit": """
        import logging, sys
        handler = logging.StreamHandler(sys.stdout)
        logging.getLogger('t').addHandler(handler)
        logging.getLogger('t').warning('logged')
    """,
}


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "PYTHONUNBUFFERED"])
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_a_child_ends_like_python_c(name, unbuffered, tmp_path):
    code = textwrap.dedent(PROGRAMS[name])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"} | ({"PYTHONUNBUFFERED": "1"}
                                                                              if unbuffered else {})
    fresh_file, forked_file = tmp_path / "fresh.txt", tmp_path / "forked.txt"
    fresh = subprocess.run([sys.executable, "-c", code, str(fresh_file)], capture_output=True, text=True,
                           timeout=60, cwd=tmp_path, env=env)
    forked = zygote.run([str(forked_file)], code=code, cwd=tmp_path, timeout=60, env=env)
    assert forked.returncode == fresh.returncode
    assert forked.stdout == fresh.stdout
    # A traceback shows the zygote's own frames above the program's; its last line is the same.
    assert forked.stderr.splitlines()[-1:] == fresh.stderr.splitlines()[-1:]
    if fresh_file.exists():
        assert forked_file.read_text() == fresh_file.read_text()


def test_the_cases_differ_from_each_other():
    """The comparison above is only worth something if the programs end in different ways."""
    outcomes = {name: subprocess.run([sys.executable, "-c", textwrap.dedent(code), "/dev/null"],
                                     capture_output=True, text=True, timeout=60).returncode
                for name, code in PROGRAMS.items()}
    assert {outcomes["exits with a number"], outcomes["exits with a message"], outcomes["interrupted"],
            outcomes["falls off the end"], outcomes["registers atexit handlers"]} == {3, 1, -2, 0, 4}
    interleaved = {flag: subprocess.run([sys.executable, "-c", PROGRAMS["prints, then writes to the descriptor"]],
                                        capture_output=True, text=True, timeout=60,
                                        env={**os.environ, "PYTHONUNBUFFERED": flag}).stdout
                   for flag in ("", "1")}
    assert interleaved == {"": "written\nprinted\n", "1": "printed\nwritten\n"}
