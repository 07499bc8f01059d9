"""Derive each capability's broad vocabulary from WordNet, and English word forms from lemminflect.

Why generated and not typed: a hand list of "kinds of animal" misses what its author did not think of
(insects, small animals, everyday words such as "building" or "train"). WordNet already sorts English
nouns into kinds; word frequency says which of them people actually write; WordNet's sense-tagged
counts say whether the kind we want is what a word usually means. The rule is fixed, so the output is
reviewable and reproducible: `python -m storage.vocabulary` rewrites `storage/seed/vocabulary.yaml`
and `bot/data/word_forms.tsv` byte for byte (a test checks it when the tools are installed).

Tools, needed only to regenerate (the bot reads the generated files): Debian's `wordnet-base`
(WordNet 3.0 in /usr/share/wordnet, read with nltk), and the PyPI packages in the `vocabulary` extra
(`pip install -e '.[vocabulary]'`: nltk, wordfreq, lemminflect).

The rule, for each capability in `ROOTS`:
1. Candidates are the lemmas of every hyponym (transitively) of the listed synsets, of the listed
   part of speech. Multi-word lemmas of more than two words are dropped.
2. Keep a candidate when wordfreq's Zipf frequency is at least `MIN_ZIPF` (about once per 3 million
   words: the words people write in captions, not the naturalist's).
3. Keep it when its usual meaning is this kind: the senses under the roots hold at least
   `MIN_SHARE` of the word's sense-tagged uses across all parts of speech (SemCor counts in WordNet,
   plus one for each sense so untagged words fall back to "most senses"). "bat" (mostly a club or the
   verb) and "row" (mostly a line of things) fail here; "hamster" passes.
4. Drop words in `EXCLUDE` (each with the reason a reviewer gave) and words some capability already
   lists as a cancelling term.
Word forms: for every word of every term (curated and generated), the inflections of the part of
speech the word is mostly used as (more sense-tagged verb uses than noun uses: verb forms, else noun
plurals), from lemminflect's tables; a word written inflected also gets its single base word unless
that base is mostly an adjective.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path

import yaml

from storage.seed_files import SEED_DIR

VOCABULARY_FILE = SEED_DIR / "vocabulary.yaml"
FORMS_FILE = Path(__file__).resolve().parent.parent / "bot" / "data" / "word_forms.tsv"
WORDNET_DIR = Path("/usr/share/wordnet")
MIN_ZIPF = 3.0
MIN_SHARE = 0.6

# capability -> WordNet synsets whose hyponyms name kinds of it
ROOTS: dict[str, tuple[str, ...]] = {
    "animals": ("animal.n.01",),
    "plants": ("plant.n.02", "vegetation.n.01"),
    "food": ("food.n.02", "beverage.n.01", "dish.n.02", "edible_fruit.n.01", "vegetable.n.01", "meal.n.01",
             "baked_goods.n.01", "dessert.n.01"),
    "vehicles": ("conveyance.n.03", "craft.n.02", "vessel.n.02"),
    "architecture": ("building.n.01", "housing.n.01", "bridge.n.01", "tower.n.01", "road.n.01",
                     "thoroughfare.n.01", "street.n.01", "city.n.01", "town.n.01", "monument.n.01",
                     "dam.n.01", "skyscraper.n.01", "fountain.n.01", "stadium.n.01", "wall.n.01",
                     "railway.n.01", "way.n.06"),
    "interiors": ("room.n.01", "furniture.n.01"),
    "scenery": ("geological_formation.n.01", "body_of_water.n.01", "field.n.01", "grassland.n.01", "land.n.04",
                "desert.n.01", "forest.n.01", "atmospheric_phenomenon.n.01", "sky.n.01", "celestial_body.n.01"),
    "people": ("person.n.01", "family.n.01", "couple.n.02", "orchestra.n.01", "team.n.01", "crowd.n.01"),
    "sports": ("sport.n.01",),
    "hands": ("musical_instrument.n.01",),
    "fire_smoke": ("fire.n.01", "fire.n.03", "smoke.n.01", "flame.n.01", "explosion.n.01"),
    "cloth": ("flag.n.01", "fabric.n.01", "curtain.n.01"),
    # FETV's "fluid motions" and our `fluids`: moving water and other liquids, and what water does
    # (still water - a lake, the sea in the background - is scenery: fluids is water that moves)
    "fluids": ("water.n.01", "flow.n.01", "steam.n.01", "surf.n.01", "wave.n.01", "current.n.02"),
}
# Verbs whose doing shows hands at work (kinds of these actions count too).
VERB_ROOTS: dict[str, tuple[str, ...]] = {
    "hands": ("skin.v.04", "knit.v.01", "sew.v.01", "knead.v.01", "massage.v.01", "massage.v.02", "paint.v.01",
              "paint.v.02", "clap.v.04", "sketch.v.01", "strum.v.01", "manicure.v.02"),
    "fluids": ("pour.v.01", "pour.v.04", "flow.v.01", "melt.v.01", "drip.v.01", "boil.v.01", "swim.v.01",
               "splash.v.01", "spray.v.01", "rain.v.01", "surfboard.v.01"),
}
# Words and phrases that imply a capability although WordNet does not file them under it, or files
# them under several senses (so the share rule drops them): instruments and manipulation imply hands,
# groups of people imply people, riding a bike implies a vehicle. Data, reviewed like the rest.
IMPLIED: dict[str, tuple[str, ...]] = {
    "people": ("family", "families", "couple", "couples", "orchestra", "choir", "band members", "individuals",
               "audience", "tourists", "villagers", "passengers", "players", "kids", "group of friends"),
    "hands": ("play the guitar", "playing the guitar", "play the piano", "playing the piano", "playing the violin",
              "air drum", "drums", "drumming", "texting", "types on a phone", "counting money", "counting cash",
              "counts money", "paints on", "painting on a canvas", "paints a", "tying a", "ties a", "tie a",
              "bow tie", "paints her nails", "painting nails",
              "nail polish", "rock paper scissors", "peel", "peeling", "peels", "massage", "shuffling cards",
              "holding a", "holds a", "grabs", "grabbing", "pick up the", "picks up a", "picks up the"),
    # a quoted string said to be written somewhere is text in the picture ('the word "OPEN"', '"EXIT" sign')
    "text_rendering": ("word {quote}", "words {quote}", "{quote} sign", "{quote} written", "{quote} painted",
                       "{quote} displayed", "{quote} printed", "{quote} carved", "{quote} engraved",
                       "{quote} in neon",
                       "text {quote}", "sign {quote}", "reads {quote}",
                       "reading {quote}", "label {quote}", "logo {quote}", "title {quote}", "written {quote}",
                       "spelling {quote}", "spells {quote}", "letters {quote}", "banner {quote}", "forms {quote}",
                       "generate the text {quote}",
                       "spell out {quote}", "spells out {quote}", "spelled {quote}"),
    # Measured on the prompt suites and our own labelled set (bench.classifier_quality): moving water in a
    # clip is fluid motion, a single natural thing is scenery, a road or a window is built structure.
    "fluids": ("ocean", "sea", "lake", "cloud", "clouds", "swim", "surf", "float", "stream", "boat sailing",
               "boat drifting"),
    "scenery": ("sun", "earth", "forest", "lake", "rock", "rocks", "sand", "outdoors", "outdoor", "mountainous",
                "hilltop", "eclipse",
                "shoreline", "open water", "body of water", "water"),
    "plants": ("bamboo", "greenery", "grassy", "corn field"),
    "architecture": ("road", "street", "window", "roof", "city", "house", "building", "houses", "buildings"),
    "vehicles": ("ride a bike", "riding a bike", "rides a bike", "ride a bicycle", "riding a bicycle",
                 "on a bike", "on his bike", "on her bike", "kayak", "kayaks", "kayaking", "canoeing", "drives",
                 "driving"),
}
# Reviewed out, with the reason (kept short: the reason is what a reviewer needs).
EXCLUDE: dict[str, str] = {
    # people: words mostly used about users, roles and audiences, not someone on screen
    "user": "meta", "creator": "meta", "member": "meta", "fan": "meta", "viewer": "meta", "follower": "meta",
    "subscriber": "meta", "customer": "meta", "client": "meta", "developer": "meta", "editor": "meta",
    "producer": "meta", "writer": "meta", "author": "meta", "reader": "meta", "owner": "meta",
    "winner": "meta", "loser": "meta", "expert": "meta", "beginner": "meta", "amateur": "meta",
    "professional": "meta", "founder": "meta", "leader": "meta", "partner": "meta", "individual": "meta",
    "director": "film credits", "artist": "meta", "designer": "meta", "engineer": "meta", "investor": "meta",
    "boss": "slang", "legend": "slang", "genius": "slang", "idiot": "slang", "host": "web hosting",
    "guest": "meta", "friend": "already curated with a not_term", "team": "meta (our team)",
    "nobody": "negation", "somebody": "pronoun-like", "everyone": "pronoun", "everybody": "pronoun",
    "anyone": "pronoun", "anybody": "pronoun", "self": "pronoun-like", "human being": "kept as human",
    "character": "DESIGN: 'characters' alone is not people", "agent": "AI agents", "operator": "meta",
    "model": "AI model", "star": "ratings and stars", "giant": "company", "master": "meta",
    "pioneer": "meta", "victim": "meta", "student": "curated", "candidate": "meta", "fool": "slang",
    # other kinds
    "drum": "verb 'drum up'", "organ": "body part", "horn": "animal part", "bass": "fish or sound",
    "recorder": "screen recorder", "keyboard": "computer keyboard", "tape": "tape", "bell": "bell",
    "spring": "season", "fishing": "fishing boats and villages", "hunting": "job hunting",
    "stadium": "labelled by its sport", "court": "labelled by its sport",
    "subway": "vehicles (curated)", "restaurant": "interiors (curated)", "home": "meta (home page)",
    "dolly": "camera dolly", "crane": "camera crane", "bot": "a chat bot",
    "vintage": "adjective", "killer": "slang", "mechanic": "orbital mechanics", "estate agent": "audience",
    "pitcher": "a jug (curated under baseball)", "colors": "adjective", "a-team": "idiom", "rain": "weather",
    "elves": "a rare sense", "sprites": "a rare sense", "elements": "meta",
    "davy jones": "idiom", "blue jet": "a rare sense", "fall": "season", "current": "adjective",
    "shower": "bathroom", "range": "meta",
    "mount": "verb", "drive": "disk or verb", "cab": "ok but dup", "transport": "abstract",
    "line": "meta", "space": "meta", "field": "meta (field of)", "area": "meta", "land": "verb",
    "ground": "meta", "plain": "adjective", "top": "meta", "point": "meta", "bank": "money",
    "flow": "workflow", "head": "body", "cut": "film cut", "set": "film set",
    "frame": "film frame", "shot": "film shot", "track": "audio track", "board": "storyboard",
    "pass": "meta", "plate": "kept in phrases", "course": "meta", "dish": "curated", "sweet": "adjective",
    "draw": "draws attention", "type": "kind of", "slice": "meta", "chop": "meta", "green": "colour",
    "pitch": "sales pitch", "tie": "a tie score", "game": "video game", "match": "meta",
    "race": "meta", "kick": "meta", "shoot": "film shoot", "play": "meta", "round": "meta",
    "fight": "meta", "boxing": "curated under martial_arts", "fencing": "curated under martial_arts",
    "running": "curated under running", "walking": "curated under walking", "swing": "meta",
    "hall": "ambiguous: interiors", "room": "curated", "suite": "software suite", "office": "curated",
    "study": "research", "cell": "biology", "chamber": "meta", "box": "meta", "stall": "verb",
    "table": "data table", "chart": "meta", "screen": "display", "bed": "curated",
    "tower": "curated", "mill": "meta", "plant": "curated with not_terms", "works": "verb",
    "port": "software port", "terminal": "computer terminal", "station": "meta", "bridge": "curated",
    "tunnel": "curated", "stage": "meta", "pool": "ambiguous", "jam": "traffic or music",
    "pie": "charts", "toast": "a toast", "cookie": "web cookies", "chip": "computer chip",
    "apple": "company", "java": "language", "python": "language", "mint": "colour",
    "wine": "curated", "jelly": "ok but rare", "bar": "curated", "stick": "verb",
    "tip": "advice", "joint": "meta", "crab": "curated", "cricket": "sport", "fly": "verb",
    "bug": "software bug", "mouse": "computer mouse", "virus": "computer virus", "worm": "ok but rare",
    "drone": "camera drone", "kite": "ok but rare", "tank": "curated", "sub": "subtitle or subscription",
    "cruiser": "rare", "carrier": "meta", "craft": "meta", "vessel": "blood vessel", "liner": "meta",
    "rig": "camera rig", "jet": "curated", "ship": "verb 'ship a feature'", "float": "verb",
    "storm": "curated", "wind": "ambiguous", "light": "lighting",
    "sun": "ok but sunlight is lighting", "air": "meta", "heat": "meta",
    "fire": "curated", "blaze": "curated", "world": "meta",
    "earth": "meta", "ice": "meta", "pole": "meta", "pit": "meta", "mine": "pronoun",
    "rock": "music", "stone": "meta", "base": "meta", "bottom": "meta", "basin": "meta",
    "sink": "verb", "bowl": "dish", "crest": "meta", "peak": "meta", "bluff": "meta",
    "shelf": "meta", "ledge": "meta", "hole": "meta", "gap": "meta", "key": "meta",
    "spot": "meta", "patch": "software patch", "belt": "meta", "strip": "meta", "sound": "audio",
    "main": "adjective", "drop": "release", "fountain": "curated", "champion": "meta",
    "material": "meta", "silk": "curated", "net": "meta", "lace": "verb", "web": "internet",
    "screening": "meta", "canvas": "meta", "felt": "verb 'felt'", "mesh": "3D mesh", "print": "meta",
    "rooms": "lodging sense; interiors curates room",
    "cape": "cloth (curated)", "cafe": "interiors (curated)", "hotel": "interiors in our labels",
    "filmmaker": "audience", "filmmakers": "audience", "walk-up": "walking up", "walk-up apartment": "walking up",
}
_STOP_TERMS = re.compile(r"^[a-z][a-z' -]*$")


def open_wordnet(directory: Path = WORDNET_DIR):  # pragma: no cover - needs the tools
    """nltk's WordNet reader over Debian's WordNet 3.0 files (nltk's downloader cannot reach the internet)."""
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class _Reader(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet") -> None:  # Debian's files are 3.0: nothing to map
            return None

    tmp = Path(tempfile.mkdtemp(prefix="wordnet-"))
    for f in os.listdir(directory):
        if (directory / f).is_file():
            shutil.copy(directory / f, tmp)
    # Debian ships no `lexnames`; its content is fixed by WordNet 3.0's lexicographer file numbers.
    lexnames = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
                "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location "
                "noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process "
                "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body "
                "verb.change verb.cognition verb.communication verb.competition verb.consumption verb.contact "
                "verb.creation verb.emotion verb.motion verb.perception verb.possession verb.social "
                "verb.stative verb.weather adj.ppl").split()
    (tmp / "lexnames").write_text("".join(f"{i:02d}\t{n}\t0\n" for i, n in enumerate(lexnames)))
    nltk.data.path.append(str(tmp))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _Reader(str(tmp), None)


def _uses(wn, word: str, synsets: Iterable) -> float:
    total = 0.0
    for s in synsets:
        for lemma in s.lemmas():
            if lemma.name().lower().replace("_", " ") == word:
                total += lemma.count() + 1
    return total


def derive(wn, zipf, cancelled: set[str]) -> dict[str, list[str]]:
    """capability -> sorted generated terms (see the module docstring for the rule)."""
    out: dict[str, list[str]] = {}
    for cap, roots, pos in [*((c, r, "n") for c, r in ROOTS.items()), *((c, r, "v") for c, r in VERB_ROOTS.items())]:
        inside: set = set()
        for root in roots:
            s = wn.synset(root)
            inside.add(s)
            inside.update(s.closure(lambda x: x.hyponyms()))
        words: set[str] = set()
        for s in inside:
            for lemma in s.lemmas():
                word = lemma.name().lower().replace("_", " ")
                if len(word.split()) > 2 or not _STOP_TERMS.match(word) or word in EXCLUDE or word in cancelled:
                    continue
                if zipf(word) < MIN_ZIPF:
                    continue
                all_senses = wn.synsets(word.replace(" ", "_"))
                share = _uses(wn, word, [x for x in all_senses if x in inside and x.pos() == pos])
                if share / max(_uses(wn, word, all_senses), 1e-9) >= MIN_SHARE:
                    words.add(word)
        out[cap] = sorted(words | set(out.get(cap, ())))
    for cap, terms in IMPLIED.items():
        out[cap] = sorted(set(out.get(cap, ())) | set(terms))
    return out


def word_forms(wn, words: Iterable[str]) -> dict[str, list[str]]:
    """word -> its other inflected forms, for the part of speech the word is mostly used as."""
    import lemminflect

    out: dict[str, list[str]] = {}
    for word in sorted(set(words)):
        if not word.isalpha() or not word.isascii():
            continue
        nouns = wn.synsets(word, "n")
        verbs = wn.synsets(word, "v")
        noun_uses, verb_uses = _uses(wn, word, nouns), _uses(wn, word, verbs)
        tags: list[str] = []
        if nouns or not verbs:
            tags.append("NNS")
        if verbs and verb_uses > noun_uses:
            tags += ["VBZ", "VBG", "VBD", "VBN"]
        forms: set[str] = set()
        for tag in tags:
            found = lemminflect.getInflection(word, tag=tag, inflect_oov=(tag == "NNS"))
            forms.update(f.lower() for f in found or ())
        # A plural written in a term ("faces") also stands for its one singular, unless that singular is
        # mostly an adjective ("greens" is food, "green" is a colour) or there are two ("leaves": leaf, leave).
        lemmas = {x.lower() for x in lemminflect.getAllLemmas(word).get("NOUN", ())}
        lemmas.discard(word)
        if lemmas:  # already an inflected form: no plural of a plural ("dogses")
            forms = {f for f in forms if not f.startswith(word) or f == word}
        lexicalised = any(x.name().lower() == word for syn in wn.synsets(word) for x in syn.lemmas())
        if len(lemmas) == 1 and not lexicalised:  # "woods" (a forest) is a word of its own, not more wood
            base = lemmas.pop()
            adjective = _uses(wn, base, wn.synsets(base, "a") + wn.synsets(base, "s"))
            if _uses(wn, base, wn.synsets(base, "n") + wn.synsets(base, "v")) >= adjective:
                forms.add(base)
        forms.discard(word)
        if forms:
            out[word] = sorted(forms)
    return out


HEADER = """\
# GENERATED by `python -m storage.vocabulary` from WordNet 3.0 + wordfreq: do not edit by hand.
# Each capability's broad vocabulary (kinds of animal, building, vehicle, plant, food, sport, instrument,
# hand action ...), merged into the capability's `terms` when the seed is loaded. To change it, change the
# rule or the EXCLUDE list in storage/vocabulary.py and regenerate; curated terms stay in capabilities.yaml.
"""
FORMS_HEADER = "# GENERATED by `python -m storage.vocabulary` from lemminflect: word<TAB>its inflected forms\n"


def render(vocabulary: dict[str, list[str]]) -> str:
    return HEADER + yaml.safe_dump(vocabulary, sort_keys=True, allow_unicode=True, width=110,
                                   default_flow_style=None)


def render_forms(forms: dict[str, list[str]]) -> str:
    return FORMS_HEADER + "".join(f"{w}\t{' '.join(fs)}\n" for w, fs in sorted(forms.items()))


def term_words(terms: Iterable[str]) -> set[str]:
    words: set[str] = set()
    for term in terms:
        if re.match(r"^(es|fr|pt|de|zh|ja)\s*:", term):
            continue
        words.update(re.findall(r"[a-z]+", term.lower()))
    return words


def generate() -> tuple[str, str]:  # pragma: no cover - needs the tools
    import wordfreq

    from storage.seed_files import load_seed

    kb = load_seed(vocabulary=False)
    cancelled = {t.lower() for c in kb.capabilities for t in c.not_terms}
    wn = open_wordnet()
    vocabulary = derive(wn, lambda w: wordfreq.zipf_frequency(w, "en"), cancelled)
    curated = {t for c in kb.capabilities for t in c.terms}
    # A word curated in the capability itself or anywhere on its branch stays curated (with its not_terms:
    # "football" under `football` must not come back under `sports` without "fantasy football").
    branch: dict[str, set[str]] = {c.id: set() for c in kb.capabilities}
    for c in kb.capabilities:
        for other in kb.capabilities:
            if c.id in kb.path(other.id) or other.id in kb.path(c.id):
                branch[c.id] |= set(other.terms)
    vocabulary = {cap: [w for w in words if w not in branch[cap]] for cap, words in vocabulary.items()}
    words = term_words(curated) | term_words(t for ws in vocabulary.values() for t in ws)
    words |= term_words(t for c in kb.capabilities for t in c.not_terms)
    return render(vocabulary), render_forms(word_forms(wn, words))


def main() -> None:  # pragma: no cover - needs the tools
    vocab, forms = generate()
    VOCABULARY_FILE.write_text(vocab, encoding="utf-8")
    FORMS_FILE.parent.mkdir(parents=True, exist_ok=True)
    FORMS_FILE.write_text(forms, encoding="utf-8")
    print(f"wrote {VOCABULARY_FILE} and {FORMS_FILE}")


if __name__ == "__main__":
    main()
