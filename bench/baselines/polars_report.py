"""Baseline: the core of an evsynth report in Python polars + scipy + matplotlib.
Usage: python3 polars_report.py TOPIC_DIR OUT_DIR"""

import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402

from common import DIRECTIONS, reml, study_votes, tally, vote_row  # noqa: E402

topic, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
df = pl.read_csv(os.path.join(topic, "registry.csv"), infer_schema_length=0).with_columns(
    pl.col("yi").cast(pl.Float64), pl.col("vi").cast(pl.Float64)
)

# One vote per study and question (70% rule), counted designs only.
counted = df.filter(~pl.col("design").is_in(["case_report", "case_series", "systematic_review", "meta_analysis"]))
per_study = counted.group_by(["question", "study_id"]).agg(
    [(pl.col("direction") == d).sum().alias(d) for d in DIRECTIONS]
)
votes = tally(per_study["question"].to_list(), study_votes(per_study.select(DIRECTIONS).to_numpy()))
rows = [vote_row(q, v) for q, v in sorted(votes.items())]
pl.DataFrame(rows).write_csv(os.path.join(out, "votes.csv"))

# REML per question x outcome x measure with at least two estimates.
effects = df.filter(pl.col("yi").is_not_null() & pl.col("vi").is_not_null())
pooled = []
for (q, o, m), g in effects.group_by(["question", "outcome", "effect_measure"]):
    if g.height >= 2:
        pooled.append({"question": q, "outcome": o, "measure": m, **reml(g["yi"].to_numpy(), g["vi"].to_numpy())})
pl.DataFrame(pooled).write_csv(os.path.join(out, "pooled.csv"))

# Bar chart of votes per question, form x outcome map.
fig, ax = plt.subplots(figsize=(8, 4))
left = [0] * len(rows)
for d in DIRECTIONS:
    values = [r[d] for r in rows]
    ax.barh([r["question"] for r in rows], values, left=left, label=d)
    left = [a + b for a, b in zip(left, values)]
ax.legend()
fig.savefig(os.path.join(out, "votes.svg"))
fig.savefig(os.path.join(out, "votes.png"), dpi=144)
grid = df.group_by(["form", "outcome"]).len().pivot(on="outcome", index="form", values="len").fill_null(0).sort("form")
fig, ax = plt.subplots(figsize=(8, 5))
matrix = grid.drop("form").to_numpy()
ax.imshow(matrix, cmap="Blues")
ax.set_yticks(range(grid.height), grid["form"].to_list())
ax.set_xticks(range(matrix.shape[1]), grid.columns[1:], rotation=45)
fig.savefig(os.path.join(out, "map.svg"))
fig.savefig(os.path.join(out, "map.png"), dpi=144)
