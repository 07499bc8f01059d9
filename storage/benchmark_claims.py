"""Derive model x capability claims from the VBench leaderboard by one fixed rule.

Why a rule and not hand-picked numbers: a benchmark-derived rating must be reproducible and
reviewable, so every derived claim comes from the same procedure applied to the shipped CSV, and
`python -m storage.benchmark_claims` regenerates `storage/seed/claims_benchmarks.yaml` byte for byte.

The rule, for each (suite, dimension) in `DIMENSIONS`:
1. Keep the leaderboard rows whose model name is in `ROW_TO_MODEL` (our model ids) and whose
   certification is Gold or Silver. Self-submitted rows (sampled *and* evaluated by the submitter)
   are ignored, and so is every row we do not map.
2. When one of our models has several rows on the dimension, use the newest by leaderboard date
   (ties: the later row in the file).
3. Rank the remaining models by score, highest first. With n models and k = n // 3, the top k
   positions are `strength`, the bottom k are `weakness`, the rest `mixed`. Models with the same
   score share one rating, the one at the middle of the positions they occupy (the upper middle
   for an even count): equal numbers must not read as different verdicts, and a tie spanning a
   boundary should not be pushed to either end. Dimensions with fewer than 3 models give no
   claims (a rank among two says nothing).
4. Each (model, dimension) gives one claim on every capability the dimension is mapped to. When
   one score is filed under several capabilities, each claim's note says so: it is one number,
   not a separate measurement per capability.
5. A benchmark of human actions never maps to a physics capability (fluids, collisions, ...):
   passing "a person pouring tea" as an action says nothing about how the tea flows.

Scores are only ranked within one suite and one dimension: they are not comparable across suites.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge import Claim, Source
from storage.seed_files import DERIVED_CLAIMS_FILE, SEED_DIR, claim_entry

BENCH_DIR = SEED_DIR / "benchmarks"
SCORES_CSV = BENCH_DIR / "vbench_scores.csv"
MODELS_CSV = BENCH_DIR / "models.csv"
LEADERBOARD_URL = "https://huggingface.co/spaces/Vchitect/VBench_Leaderboard"
CERTIFIED = ("Gold", "Silver")

SUITE_NAMES = {"vbench": "VBench", "vbench2": "VBench-2.0", "vbench_i2v": "VBench-I2V"}
CITATIONS = {
    "vbench": "VBench leaderboard; VBench (CVPR 2024, arXiv 2311.17982)",
    "vbench2": "VBench leaderboard, VBench-2.0 tab; VBench-2.0 (arXiv 2503.21755)",
    "vbench_i2v": "VBench leaderboard, VBench-I2V tab; VBench++ (arXiv 2411.13503)",
}

# (suite, dimension) -> capability ids it speaks to. Each mapping says why; left out on purpose:
# - subject/background consistency, temporal flickering, motion smoothness: saturated (94-99.8 for all);
# - appearance_style, temporal_style, overall_consistency: raw similarities in a narrow band;
# - dynamic_degree, aesthetic/imaging quality, object_class, color, spatial relations, scene: no capability
#   of ours (more motion is not better motion; image quality is not a kind of shot);
# - VBench-2.0 Material, Motion_Rationality, Instance_Preservation, Complex_Plot, Human_Clothes,
#   Human_Interaction and the rest: no capability they measure cleanly (README "Mapping" table).
DIMENSIONS: dict[tuple[str, str], tuple[str, ...]] = {
    # All 100 prompts are a person doing a Kinetics action (eating, jogging, dancing, dunking, ...). It is
    # one number over all actions, so it speaks to people in motion, not to any single action or sport.
    ("vbench", "human_action"): ("people",),
    # An anomaly detector for malformed bodies, faces and hands: the closest measure of hands we have,
    # and of people generally.
    ("vbench2", "Human_Anatomy"): ("hands", "people"),
    # The same person's face staying the same within a clip; a necessary (not sufficient) condition for
    # keeping a character across shots. The note says it is within one clip.
    ("vbench2", "Human_Identity"): ("multi_shot",),
    # Executing requested pans, tilts, zooms, orbits and oblique moves.
    ("vbench2", "Camera_Motion"): ("camera_motion",),
    # 3D geometry staying consistent while the camera orbits the subject: exactly an orbit shot.
    ("vbench2", "Multi-View_Consistency"): ("orbit",),
    # Gravity, collisions, deformation and buoyancy prompts: rigid-body impacts are its core.
    ("vbench2", "Mechanics"): ("collisions",),
    # Melting, freezing, boiling and burning: the burning/combustion prompts make it our fire proxy.
    ("vbench2", "Thermotics"): ("fire_smoke",),
    # Image-to-video camera motion following the text (pan, tilt, zoom, ...).
    ("vbench_i2v", "camera_motion"): ("camera_motion",),
}

# Dimensions whose prompts are human actions: rule 5 keeps them away from the physics capabilities.
ACTION_DIMENSIONS = frozenset({("vbench", "human_action")})
PHYSICS_CAPABILITIES = frozenset({"physics", "fluids", "collisions", "fire_smoke", "cloth"})
CAPABILITY_WORDS = {"hands": "hands", "people": "people", "multi_shot": "multi-shot continuity",
                    "camera_motion": "camera motion", "orbit": "orbit", "collisions": "collisions",
                    "fire_smoke": "fire and smoke"}

# Leaderboard row name -> our model id, per suite. Rows not listed are ignored. Deliberately unmapped:
# smaller variants (Wan2.1-T2V-1.3B, CogVideoX-2B) that showcases rarely use; prompt-optimized rows
# (they measure the vendor's prompt rewriter too); the 2024-02 Sora demo-reel row (a demo reel, not
# samples); models we do not track (Vchitect, Jimeng, Step-Video, ToMoviee, ...).
ROW_TO_MODEL: dict[str, dict[str, str]] = {
    "vbench": {
        "Sora": "sora",
        "Veo 3": "veo-3",
        "Kling 1.6": "kling-1",
        "Kling (2024-07 high-performance mode)": "kling-1",
        "Gen-2 (2023-12)": "runway-gen2",
        "Gen-3 (2024-07)": "runway-gen3",
        "Luma": "luma-dream-machine",
        "MiniMax-Video-01": "hailuo",
        "Pika-1.0 (2024-06)": "pika",
        "Pika Beta (2023-12)": "pika",
        "Vidu": "vidu",
        "Vidu Q1 (2025-04-17)": "vidu",
        "Wan2.1": "wan",
        "Wan2.1 (2025-02-24)": "wan",
        "Wan2.1-T2V-14B": "wan",
        "Wan2.2-T2V-A14B (w/o prompt-optimized)": "wan",
        "HunyuanVideo (Open-Source Version)": "hunyuanvideo",
        "Hunyuan Video (2025-05-22)": "hunyuanvideo",
        "LTX-Video (5s 768×512)": "ltx-video",
        "LTX-2 (Diffusers) (w/o prompt-optimized)": "ltx-2",
        "Mochi-1": "mochi",
        "CogVideoX-5B (Diffusers)": "cogvideox",
        "CogVideoX1.5-5B": "cogvideox",
        "Open-Sora-2.0 (2025-03-18)": "open-sora",
        "MAGI-T2V-24B-distill": "magi-1",
    },
    "vbench2": {
        "Veo 3": "veo-3",
        "Sora-480p": "sora",
        "Kling 1.6": "kling-1",
        "Vidu Q1 (2025-04-17)": "vidu",
        "Wan2.1": "wan",
        "HunyuanVideo": "hunyuanvideo",
        "CogVideoX-1.5": "cogvideox",
    },
    "vbench_i2v": {
        "Gen-4-I2V": "runway-gen4",
        "Wan2.1-I2V-14B-720P": "wan",
        "HunyuanVideo-I2V": "hunyuanvideo",
        "CogVideoX-5b-I2V": "cogvideox",
        "Magi-1": "magi-1",  # self-submitted: dropped by the certification filter
    },
}


@dataclass(frozen=True)
class Row:
    """One leaderboard score with what the rule needs to know about its row."""

    suite: str
    name: str
    dimension: str
    score: float
    date: str  # leaderboard date, YYYY-MM-DD
    certification: str
    order: int  # position in the scores file, the last tie-breaker


def read_rows(scores_csv: Path = SCORES_CSV, models_csv: Path = MODELS_CSV) -> list[Row]:
    """Join scores with the leaderboard date and certification of their row."""
    meta: dict[tuple[str, str], tuple[str, str]] = {}
    with models_csv.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            meta.setdefault((rec["suite"], rec["model"]), (rec["leaderboard_date"], rec["certification"]))
    rows: list[Row] = []
    with scores_csv.open(encoding="utf-8", newline="") as fh:
        for i, rec in enumerate(csv.DictReader(fh)):
            date, cert = meta.get((rec["suite"], rec["model"]), ("", ""))
            rows.append(Row(rec["suite"], rec["model"], rec["dimension"], float(rec["score"]), date, cert, i))
    return rows


def rate(n: int, rank: int) -> str:
    """Rating of the model at 0-based `rank` among `n`: top third, middle, bottom third."""
    k = n // 3
    if rank < k:
        return "strength"
    if rank >= n - k:
        return "weakness"
    return "mixed"


def _position(rating: str) -> str:
    return {"strength": "top third", "weakness": "bottom third"}.get(rating, "middle")


def check_mapping(dimensions: Mapping[tuple[str, str], tuple[str, ...]]) -> None:
    """Rule 5: raise ValueError when an action benchmark is mapped to a physics capability."""
    for key, capabilities in dimensions.items():
        wrong = sorted(set(capabilities) & PHYSICS_CAPABILITIES)
        if key in ACTION_DIMENSIONS and wrong:
            raise ValueError(f"{key[0]}:{key[1]} measures human actions; it cannot rate {', '.join(wrong)}")


def _tie_ratings(n: int, scores: list[float]) -> list[tuple[str, int, int]]:
    """(rating, first position, size of its tie group) for each position of a descending score list."""
    out: list[tuple[str, int, int]] = []
    start = 0
    while start < n:
        end = start
        while end + 1 < n and scores[end + 1] == scores[start]:
            end += 1
        shared = rate(n, (start + end) // 2)
        out += [(shared, start, end - start + 1)] * (end - start + 1)
        start = end + 1
    return out


def _spread_note(dimension: str, capabilities: tuple[str, ...], capability: str) -> str:
    if len(capabilities) < 2:
        return ""
    words = " and ".join(CAPABILITY_WORDS.get(c, c) for c in capabilities)
    return (f" One overall {dimension} score covering {words} together, filed under each; "
            f"not a separate measure of {CAPABILITY_WORDS.get(capability, capability)}.")


def derive(
    rows: Iterable[Row],
    dimensions: Mapping[tuple[str, str], tuple[str, ...]] = DIMENSIONS,
    row_to_model: Mapping[str, Mapping[str, str]] = ROW_TO_MODEL,
    known_models: Iterable[str] | None = None,
) -> list[Claim]:
    """Apply the rule; returns claims sorted by model, capability, derived_from."""
    check_mapping(dimensions)
    known = set(known_models) if known_models is not None else None
    newest: dict[tuple[str, str], dict[str, Row]] = {}
    for row in rows:
        if (row.suite, row.dimension) not in dimensions or row.certification not in CERTIFIED:
            continue
        model = row_to_model.get(row.suite, {}).get(row.name)
        if model is None or (known is not None and model not in known):
            continue
        per_model = newest.setdefault((row.suite, row.dimension), {})
        current = per_model.get(model)
        if current is None or (row.date, row.order) > (current.date, current.order):
            per_model[model] = row
    claims: list[Claim] = []
    for (suite, dimension), per_model in newest.items():
        n = len(per_model)
        if n < 3:
            continue
        ranked = sorted(per_model.items(), key=lambda item: (-item[1].score, item[0]))
        tied = _tie_ratings(n, [row.score for _, row in ranked])
        capabilities = dimensions[(suite, dimension)]
        for (model, row), (rating, first, size) in zip(ranked, tied, strict=True):
            rank = f"rank {first + 1} of {n}" + (f", tied with {size - 1} other(s)" if size > 1 else "")
            note = (f"{SUITE_NAMES[suite]} {dimension} {row.score:.2f}, {rank} "
                    f"({_position(rating)}) among the models Yuntai tracks; leaderboard row \"{row.name}\".")
            source = Source(url=LEADERBOARD_URL, date=row.date, note=CITATIONS[suite])
            for capability in capabilities:
                claims.append(Claim(model, capability, rating,
                                    note=note + _spread_note(dimension, capabilities, capability),
                                    sources=(source,), derived_from=f"{suite}:{dimension}"))
    claims.sort(key=lambda c: (c.model, c.capability, c.derived_from))
    return claims


HEADER = (
    "# GENERATED by `python -m storage.benchmark_claims` from storage/seed/benchmarks/*.csv - do not edit.\n"
    "# Rule: per mapped VBench dimension, rank our models (newest certified row each); top third = strength,\n"
    "# bottom third = weakness, the rest mixed. See storage/benchmark_claims.py and benchmarks/README.md.\n"
)


def render(claims: Iterable[Claim]) -> str:
    """The YAML text of claims_benchmarks.yaml (used by the regeneration test)."""
    import yaml

    entries = [claim_entry(c) for c in claims]
    return HEADER + yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=110,
                                   default_flow_style=False)


def known_model_ids(seed_dir: Path = SEED_DIR) -> set[str]:
    """Model ids in models.yaml, so a mapping to a model we dropped cannot break the seed."""
    import yaml

    entries = yaml.safe_load((seed_dir / "models.yaml").read_text(encoding="utf-8")) or []
    return {str(e["id"]) for e in entries if isinstance(e, dict) and "id" in e}


def generate(seed_dir: Path = SEED_DIR) -> list[Claim]:
    return derive(read_rows(), known_models=known_model_ids(seed_dir))


def main() -> None:
    claims = generate()
    target = SEED_DIR / DERIVED_CLAIMS_FILE
    target.write_text(render(claims), encoding="utf-8")
    print(f"wrote {len(claims)} derived claims to {target}")


if __name__ == "__main__":
    main()

