"""The `/model` chart: the model's documented ratings beside what members' own attempts found.

Drawn with matplotlib's Agg backend (no display, safe in a worker thread) into a PNG that adapters
attach; the console names the file. Called through `asyncio.to_thread`: drawing takes a few hundred
milliseconds the event loop must not spend.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from bot.results import ModelReport
from bot.spelling import SLASH, spell

_DRAW_LOCK = threading.Lock()  # pyplot's figure registry is process-global
RATING_COLOURS = {"strength": "#2e7d32", "mixed": "#f9a825", "weakness": "#c62828"}
MAX_RATES = 15


def chart_name(report: ModelReport, community_id: str) -> str:
    tag = hashlib.sha256(community_id.encode()).hexdigest()[:10]
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in report.model_id)[:60]
    return f"model-{safe}-{tag}.png"


def model_chart(report: ModelReport, community_id: str, folder: Path, prefix: str = SLASH) -> Path:
    """Write the chart and return its path (one file per model and community, overwritten when redrawn)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / chart_name(report, community_id)
    names = report.names
    with _DRAW_LOCK:
        fig = Figure(figsize=(10, 4.8), dpi=100)
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 2]})
        counts = [len(report.strengths), len(report.mixed), len(report.weaknesses)]
        left.bar(["strengths", "hit and miss", "weak spots"], counts,
                 color=[RATING_COLOURS["strength"], RATING_COLOURS["mixed"], RATING_COLOURS["weakness"]])
        left.set_title(f"{report.name}: documented kinds of shot")
        left.set_ylabel("capabilities")
        rates = sorted(report.hit_rates, key=lambda a: -a.tries)[:MAX_RATES]
        if rates:
            labels = [names.get(a.capability, a.capability) for a in rates]
            mids = [a.rate * 100 for a in rates]
            err = [[max(0.0, (a.rate - a.low) * 100) for a in rates], [max(0.0, (a.high - a.rate) * 100)
                                                                       for a in rates]]
            ys = list(range(len(rates)))
            right.barh(ys, mids, height=0.6, xerr=err, color="#1565c0", ecolor="#333333", capsize=3)
            right.set_yticks(ys, labels)
            right.invert_yaxis()
            right.set_xlim(0, 100)
            right.axvline(50, color="#999999", linestyle="--", linewidth=1)
            right.set_xlabel("usable takes, % (bars: pooled rate; lines: 80% Wilson interval)")
            right.set_title("Members' attempts")
        else:
            right.axis("off")
            right.text(0.5, 0.5, f"No attempt reports yet:\nreport yours with {spell('tried', prefix)}", ha="center",
                       va="center")
        fig.tight_layout()
        fig.savefig(path, format="png")
    return path
