"""Baseline: the core of an evsynth report in Python pandas + scipy + matplotlib.
Usage: python3 pandas_report.py TOPIC_DIR OUT_DIR"""

import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from common import DIRECTIONS, reml, study_votes, tally, vote_row  # noqa: E402

topic, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
df = pd.read_csv(os.path.join(topic, "registry.csv"), dtype=str, keep_default_na=False)
df["yi"] = pd.to_numeric(df["yi"], errors="coerce")
df["vi"] = pd.to_numeric(df["vi"], errors="coerce")

counted = df[~df["design"].isin(["case_report", "case_series", "systematic_review", "meta_analysis"])]
per_study = counted.groupby(["question", "study_id", "direction"]).size().unstack(fill_value=0)
per_study = per_study.reindex(columns=DIRECTIONS, fill_value=0)
votes = tally(per_study.index.get_level_values("question").tolist(), study_votes(per_study.to_numpy()))
rows = [vote_row(q, v) for q, v in sorted(votes.items())]
pd.DataFrame(rows).to_csv(os.path.join(out, "votes.csv"), index=False)

effects = df.dropna(subset=["yi", "vi"])
pooled = []
for (q, o, m), g in effects.groupby(["question", "outcome", "effect_measure"]):
    if len(g) >= 2:
        pooled.append({"question": q, "outcome": o, "measure": m, **reml(g["yi"].to_numpy(), g["vi"].to_numpy())})
pd.DataFrame(pooled).to_csv(os.path.join(out, "pooled.csv"), index=False)

fig, ax = plt.subplots(figsize=(8, 4))
left = [0] * len(rows)
for d in DIRECTIONS:
    values = [r[d] for r in rows]
    ax.barh([r["question"] for r in rows], values, left=left, label=d)
    left = [a + b for a, b in zip(left, values)]
ax.legend()
fig.savefig(os.path.join(out, "votes.svg"))
fig.savefig(os.path.join(out, "votes.png"), dpi=144)
grid = df.groupby(["form", "outcome"]).size().unstack(fill_value=0).sort_index()
fig, ax = plt.subplots(figsize=(8, 5))
ax.imshow(grid.to_numpy(), cmap="Blues")
ax.set_yticks(range(len(grid.index)), grid.index)
ax.set_xticks(range(len(grid.columns)), grid.columns, rotation=45)
fig.savefig(os.path.join(out, "map.svg"))
fig.savefig(os.path.join(out, "map.png"), dpi=144)
