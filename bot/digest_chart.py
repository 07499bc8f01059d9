"""The digest's chart: how this week's checks came out and what they showed, as a PNG adapters attach.

Drawn with matplotlib's Agg backend (no display, safe in a server thread); the pyplot state machine is
avoided so two digests drawn on two threads never share a figure.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.digest import WeeklyDigest
from bot.levels import Level

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def chart_path(directory: Path, digest: WeeklyDigest) -> Path:
    """One file per community and week, so a retried post overwrites its own chart and nothing else."""
    return directory / f"digest-{_SAFE.sub('_', digest.community_id)}-{digest.week}.png"


def draw_digest_chart(digest: WeeklyDigest, directory: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    f, names = digest.base.figures, digest.base.names
    fig = Figure(figsize=(8, 3.6), dpi=100)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.4]})
    levels = [level for level in f.by_level]
    left.barh([Level(level).title for level in levels], [f.by_level[level] for level in levels], color="#4c72b0")
    left.invert_yaxis()
    left.set_xlim(0, max([1, *f.by_level.values()]) * 1.05)  # an empty week still draws a sensible axis
    left.xaxis.set_major_locator(MaxNLocator(integer=True))  # checks are counted, never fractional
    left.set_title(f"{f.checks} clip checks by verdict", fontsize=10)
    shots = sorted(f.shown.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
    if shots:
        right.barh([names.get(c, c) for c, _ in shots], [n for _, n in shots], color="#55a868")
        right.invert_yaxis()
        right.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        right.text(0.5, 0.5, "no clips checked", ha="center", va="center", transform=right.transAxes)
        right.set_axis_off()
    right.set_title("kinds of shot shown", fontsize=10)
    fig.suptitle(f"{digest.community_id} - week {digest.week}", fontsize=11)
    fig.tight_layout()
    directory.mkdir(parents=True, exist_ok=True)
    path = chart_path(directory, digest)
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, format="png")
    tmp.replace(path)  # a reader never sees half a file
    return path
