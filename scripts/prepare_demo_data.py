"""Rebuild data/demo/vader_reviews.parquet from the VADER human-rated corpus.

Source: Hutto & Gilbert, "VADER: A Parsimonious Rule-based Model for Sentiment
Analysis of Social Media Text", ICWSM 2014 (MIT licence). The corpus ships in the
source distribution of the PyPI package vaderSentiment 3.3.2 at
``additional_resources/hutto_ICWSM_2014.tar.gz``.

Usage::

    python scripts/prepare_demo_data.py            # fetches the sdist with pip
    python scripts/prepare_demo_data.py --sdist vaderSentiment-3.3.2.tar.gz
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

OUTPUT = Path(__file__).resolve().parents[1] / "data" / "demo" / "vader_reviews.parquet"
CORPUS_MEMBER = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"

# file stem in the corpus -> (category shown to people, id prefix)
SOURCES = {
    "amazonReviewSnippets": ("Product reviews", "product"),
    "movieReviewSnippets": ("Movie reviews", "movie"),
    "tweets": ("Tweets", "tweet"),
    "nytEditorialSnippets": ("News editorials", "editorial"),
}
# Mean human rating (-4..+4) at or beyond these bounds is negative / positive.
NEGATIVE_AT_MOST = -0.5
POSITIVE_AT_LEAST = 0.5
TEST_SHARE_PERCENT = 20


def label_from_mean(mean: pd.Series) -> pd.Series:
    """Map mean ratings on -4..+4 to negative / neutral / positive."""
    labels = np.where(
        mean <= NEGATIVE_AT_MOST,
        "negative",
        np.where(mean >= POSITIVE_AT_LEAST, "positive", "neutral"),
    )
    return pd.Series(labels, index=mean.index)


def split_of(group_ids: pd.Series) -> pd.Series:
    """Assign whole reviews (all their sentences) to train or test, deterministically."""
    buckets = group_ids.map(lambda g: int(hashlib.sha256(g.encode()).hexdigest()[:8], 16) % 100)
    return pd.Series(np.where(buckets < TEST_SHARE_PERCENT, "test", "train"), index=group_ids.index)


def _read_tsv(raw: bytes, names: list[str]) -> pd.DataFrame:
    text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    rows = [line.split("\t") for line in text.split("\n") if line.strip()]
    return pd.DataFrame([r[: len(names)] for r in rows], columns=names)


def read_source(corpus: tarfile.TarFile, stem: str) -> pd.DataFrame:
    """One source's texts with their mean rating and individual ratings."""
    category, prefix = SOURCES[stem]
    truth = _read_tsv(
        corpus.extractfile(f"hutto_ICWSM_2014/{stem}_GroundTruth.txt").read(),
        ["source_id", "mean_rating", "text"],
    )
    ratings = _read_tsv(
        corpus.extractfile(f"hutto_ICWSM_2014/{stem}_anonDataRatings.txt").read(),
        ["source_id", "mean", "rating_sd", "ratings"],
    )
    ratings["ratings"] = ratings["ratings"].map(lambda s: [int(v) for v in s.strip().strip("[]").split(",")])
    merged = truth.merge(ratings[["source_id", "rating_sd", "ratings"]], on="source_id", how="left", validate="1:1")
    if merged["ratings"].isna().any():
        raise SystemExit(f"{stem}: some texts have no individual ratings")
    merged["mean_rating"] = merged["mean_rating"].astype(float)
    merged["rating_sd"] = merged["rating_sd"].astype(float)
    merged["text"] = merged["text"].str.strip()
    merged["review_id"] = prefix + ":" + merged["source_id"]
    merged["group_id"] = prefix + ":" + merged["source_id"].str.split("_").str[0]
    merged["category"] = category
    merged["n_raters"] = merged["ratings"].map(len).astype("int16")
    return merged


def build(sdist: Path) -> pd.DataFrame:
    """The prepared demo table from the vaderSentiment source distribution."""
    with tarfile.open(sdist) as outer:
        inner_bytes = outer.extractfile(CORPUS_MEMBER).read()
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as corpus:
        frame = pd.concat([read_source(corpus, stem) for stem in SOURCES], ignore_index=True)
    frame["label"] = label_from_mean(frame["mean_rating"])
    frame["split"] = split_of(frame["group_id"])
    columns = ["review_id", "group_id", "category", "text", "label", "mean_rating", "rating_sd", "n_raters", "ratings", "split"]
    return frame[columns]


def fetch_sdist(folder: Path) -> Path:
    """Download the vaderSentiment 3.3.2 source distribution with pip."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "vaderSentiment==3.3.2", "-d", str(folder)],
        check=True,
    )
    return next(folder.glob("vaderSentiment-3.3.2.tar.gz"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdist", type=Path, help="path to vaderSentiment-3.3.2.tar.gz (downloaded if omitted)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sdist = args.sdist or fetch_sdist(Path(tmp))
        frame = build(sdist)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(OUTPUT, index=False, compression="zstd")
    shares = frame["label"].value_counts(normalize=True).round(3).to_dict()
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size / 1e6:.1f} MB): {len(frame)} texts, labels {shares}")
    print(frame.groupby(["category", "split"]).size().unstack())


if __name__ == "__main__":
    main()
