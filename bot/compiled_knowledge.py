"""A knowledge base's compiled matchers, shared by every check service of a process for equal knowledge.

Why: compiling the shipped seed's matchers (model aliases, capability terms with their word forms and stems)
takes about 0.2 CPU-seconds. Each `CheckService` compiled its own, so a process holding several (the test
suite builds one per app, a tool one per store) paid it again for the same knowledge, and communities of
different services never shared a snapshot. Equal knowledge compiles to equal matchers: one compiled copy
serves them all.

Equal means equal, not "same version string": hand-made knowledge bases choose their own version, and two
loads with one content hash may list models in a different order, which the matchers' tie-breaks read. So
an entry is reused only for a knowledge base `==` the one it was compiled from (about 2 ms for the seed).

The caption reader keeps state while it stems a word (its Snowball stemmers), so two threads must not read
through one compiled copy at once; with sharing, two services' reading threads could meet there, hence
`Compiled.extract` takes the copy's lock (reading is pure Python: the interpreter lock serialised it anyway).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from bot.knowledge import KnowledgeBase
from bot.results import Signals
from bot.signals import SignalExtractor, SignalInput
from bot.verdict import VerdictRules

MAX_SNAPSHOTS = 8  # a process seldom holds more: the global knowledge plus a few communities' overrides


@dataclass(frozen=True, eq=False)
class Compiled:
    kb: KnowledgeBase  # the knowledge base it was compiled from (equal to every one it is handed out for)
    signals: SignalExtractor
    rules: VerdictRules
    names: dict[str, str]
    _reading: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def extract(self, given: SignalInput) -> Signals:
        """Read a caption's signals; one thread at a time per compiled copy (see the module's docstring)."""
        with self._reading:
            return self.signals.extract(given)


_snapshots: OrderedDict[str, Compiled] = OrderedDict()
_lock = threading.Lock()


def compiled(kb: KnowledgeBase) -> Compiled:
    """The process's compiled matchers for `kb`: compiled now unless an equal knowledge base's are kept."""
    with _lock:
        found = _snapshots.get(kb.version)
        if found is not None and (found.kb is kb or found.kb == kb):
            _snapshots.move_to_end(kb.version)
            return found
    names = {c.id: c.name for c in kb.capabilities} | {m.id: m.name for m in kb.models}
    made = Compiled(kb, SignalExtractor(kb), VerdictRules(kb), names)  # outside the lock: tens of ms or more
    with _lock:
        _snapshots[kb.version] = made  # an unequal one under the same version string is replaced
        _snapshots.move_to_end(kb.version)
        while len(_snapshots) > MAX_SNAPSHOTS:
            _snapshots.popitem(last=False)
    return made

