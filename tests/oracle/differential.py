#!/usr/bin/env python3
"""Random differential comparison of evsynth's pooling with R metafor (3.8+).

Generates random effect-size data sets (fixed seed), writes each as an evsynth topic with
`yi`/`vi` given directly (measure `md`, so no transformation), runs `evsynth report` on all
of them once per model (REML, DerSimonian-Laird, REML with HKSJ), fits the same data with
`metafor::rma`, and compares the pooled numbers of `summary.json` with metafor's.

The data sets vary what breaks estimators: k from 2 to 40, effects and standard errors at
shared scales from 1e-3 to 1e3, standard errors spread up to 1e4-fold (one very precise
study), and between-study variance from none to large. metafor runs with a convergence
threshold scaled to the data (its default 1e-5 is absolute and stops early at small scales).

Not part of `cargo test` (it needs R); run by hand from the crate root:

    apt-get install r-cran-metafor
    python3 tests/oracle/differential.py [--sets 200] [--seed 8] [--evsynth target/release/evsynth]

Exit 0 when every compared value agrees within the tolerance, 1 otherwise (each
disagreement printed).
"""

import argparse
import json
import math
import random
import shutil
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

# Registry columns written, in this order (the rest of a study's fields are the same for all).
COLUMNS = ["effect_measure", "yi", "vi", "n1", "mean1", "sd1", "n2", "mean2", "sd2", "events1", "events2"]
HEADER = "study_id,citation,year,design,question,n,form,outcome,direction," + ",".join(COLUMNS) + ",source"
TOPIC = """title = "Differential test {index}"
description = "Random effect sizes for comparison with metafor."
as_of = "2026-01-01"

[questions.q]
label = "Random question"
kind = "intervention"
hypothesis = "The effect is positive"
positive = "higher"
negative = "lower"

[forms]
f = "Form"

[outcomes]
o = "Outcome"
"""
MODELS = {
    # name: (evsynth report options, metafor call)
    "REML": ([], 'method = "REML"'),
    "DL": (["--tau2", "dl"], 'method = "DL"'),
    "REML_HKSJ": (["--hksj"], 'method = "REML", test = "knha"'),
}
KEYS = ["estimate", "se", "ci_low", "ci_high", "tau2", "i2", "q", "pi_low", "pi_high"]
# How evsynth's refusal of variances more than 1e12 apart begins (pool.rs, check_poolable).
MAX_VARIANCE_RATIO_REASON = "apart: one study would be the whole estimate"
# Each refit without one study (metafor's leave1out, k 3 to 200 as evsynth).
LEAVE_ONE_OUT_KEYS = ["estimate", "se", "tau2"]
# Egger's regression test (k >= 10; metafor's regtest with model = "lm").
EGGER_KEYS = ["egger_t", "egger_p"]


def data_set(rng: random.Random) -> list[dict]:
    """The rows of one random data set: estimates given directly (a third), 2×2 tables for
    RR, OR or RD with rare events and zero cells (a third), or arm means and SDs for MD or
    SMD (a third). Each row maps registry columns to values."""
    kind = rng.randrange(3)
    if kind == 0:
        return [
            {"effect_measure": "md", "yi": yi, "vi": vi} for yi, vi in direct_estimates(rng)
        ]
    k = rng.randint(2, 40)
    if kind == 1:
        measure = rng.choice(["rr", "or", "rd"])
        risk = 10 ** rng.uniform(-2.5, -0.3)
        ratio = 10 ** rng.uniform(-1, 1)
        rows = []
        for _ in range(k):
            n1, n2 = rng.randint(5, 400), rng.randint(5, 400)
            p2 = min(0.95, risk * 10 ** rng.gauss(0, 0.3))
            p1 = min(0.95, p2 * ratio)
            events1 = sum(rng.random() < p1 for _ in range(n1))
            events2 = sum(rng.random() < p2 for _ in range(n2))
            rows.append({"effect_measure": measure, "n1": n1, "events1": events1, "n2": n2, "events2": events2})
        return rows
    measure = rng.choice(["md", "smd"])
    scale = 10 ** rng.uniform(-3, 3)
    difference = scale * rng.uniform(-1, 1)
    rows = []
    for _ in range(k):
        n1, n2 = rng.randint(4, 200), rng.randint(4, 200)
        sd1, sd2 = scale * rng.uniform(0.5, 2), scale * rng.uniform(0.5, 2)
        shift = difference + scale * rng.gauss(0, 0.3)
        rows.append({
            "effect_measure": measure, "n1": n1, "mean1": rng.gauss(shift, sd1 / math.sqrt(n1)), "sd1": sd1,
            "n2": n2, "mean2": rng.gauss(0, sd2 / math.sqrt(n2)), "sd2": sd2,
        })
    return rows


def direct_estimates(rng: random.Random) -> list[tuple[float, float]]:
    """(yi, vi) pairs: estimates at a shared scale, some SEs far smaller than others."""
    k = rng.randint(2, 40)
    scale = 10 ** rng.uniform(-3, 3)
    spread = 10 ** rng.uniform(0, 2)
    tau = scale * rng.choice([0.0, 0.1, 0.5, 1.0, 3.0])
    ses = [scale * 10 ** rng.uniform(-0.5, 0.5) * rng.choice([1.0, 1.0, 1.0, 1 / spread]) for _ in range(k)]
    if rng.random() < 0.1:
        ses[0] = ses[0] / 1e4  # one very precise study
    mean = scale * rng.uniform(-2, 2)
    return [(rng.gauss(mean, math.hypot(se, tau)), se * se) for se in ses]


def write_topic(root: Path, index: int, rows: list[dict]) -> None:
    topic = root / f"d{index:04d}"
    topic.mkdir(parents=True)
    (topic / "topic.toml").write_text(TOPIC.format(index=index))
    lines = [HEADER]
    for i, row in enumerate(rows):
        n = row["n1"] + row["n2"] if "n1" in row else 100
        values = ",".join(repr(row[c]) if c in row and c != "effect_measure" else row.get(c, "") for c in COLUMNS)
        lines.append(f"s{i:03d},Study {i} (random),2000,rct,q,{n},f,o,positive,{values},differential.py")
    (topic / "registry.csv").write_text("\n".join(lines) + "\n")


def evsynth_results(
    binary: str, studies: Path, out: Path, options: list[str]
) -> tuple[dict[int, dict], dict[int, str]]:
    """Pooled results of every topic by data set index, and the reason of those not pooled.
    Topics are reported a hundred at a time, at low resolution, and each batch's output is
    removed once read (a report with every chart is a few megabytes)."""
    topics = sorted(path.name for path in studies.iterdir())
    results, refused = {}, {}
    for first in range(0, len(topics), 100):
        if out.exists():
            shutil.rmtree(out)
        command = [binary, "--studies", str(studies), "report", "--out", str(out), "--dpi", "36"]
        run = subprocess.run(
            [*command, *options, *topics[first : first + 100]], capture_output=True, text=True
        )
        if run.returncode != 0:
            sys.exit(f"{' '.join(command)} failed ({run.returncode}):\n{run.stderr}")
        read_summaries(out, results, refused)
    shutil.rmtree(out, ignore_errors=True)
    return results, refused


def read_summaries(out: Path, results: dict[int, dict], refused: dict[int, str]) -> None:
    """The pooled result, or why there is none, of each topic reported under `out`."""
    for summary in out.glob("d*/summary.json"):
        meta = json.loads(summary.read_text())["meta_analysis"]
        index = int(summary.parent.name[1:])
        for not_pooled in meta["not_pooled"]:
            refused[index] = not_pooled["reason"]
        analyses = meta["analyses"]
        if analyses:
            pooled = dict(analyses[0]["pooled"])
            egger = analyses[0]["egger"] or {}
            pooled["egger_t"], pooled["egger_p"] = egger.get("t"), egger.get("p")
            pooled["leave_one_out"] = analyses[0]["leave_one_out"]
            results[index] = pooled


# R: the data sets, and `effects(s)`: data set s as metafor's yi/vi (escalc where needed).
R_PREAMBLE = """suppressPackageStartupMessages(library(metafor))
sets <- read.csv("{data}")
effects <- function(s) {{
  d <- sets[sets$set == s, ]
  m <- toupper(d$effect_measure[1])
  if (!all(is.na(d$events1))) {{
    d <- escalc(measure = m, ai = events1, n1i = n1, ci = events2, n2i = n2, data = d,
                drop00 = m != "RD")
  }} else if (!all(is.na(d$mean1))) {{
    d <- escalc(measure = m, m1i = mean1, sd1i = sd1, n1i = n1, m2i = mean2, sd2i = sd2, n2i = n2,
                data = d)
  }}
  d[!is.na(d$yi), ]
}}"""


def restricted_likelihoods(work: Path, fits: list[tuple]) -> list[tuple[float, float]]:
    """metafor's restricted log-likelihood at evsynth's τ² and at its own, for each fit
    (data set, study left out or None, evsynth's τ², metafor's τ²)."""
    lines = [R_PREAMBLE.format(data=work / "sets.csv")]
    for index, omitted, ours, theirs in fits:
        subset = "" if omitted is None else f"[-{omitted}, ]"
        lines.append(
            f"d <- effects({index}){subset}\n"
            f"cat(sprintf('%.17g|%.17g\\n', logLik(rma(yi, vi, data = d, method = 'REML', tau2 = {ours!r})), "
            f"logLik(rma(yi, vi, data = d, method = 'REML', tau2 = {theirs!r}))))"
        )
    (work / "likelihoods.R").write_text("\n".join(lines) + "\n")
    output = subprocess.run(
        ["Rscript", str(work / "likelihoods.R")], check=True, capture_output=True, text=True
    ).stdout
    return [tuple(map(float, line.split("|"))) for line in output.splitlines()]


def metafor_results(sets: list[list[dict]], work: Path) -> dict[str, dict[int, dict]]:
    """metafor's pooled results per model and data set."""
    data = work / "sets.csv"
    with data.open("w") as f:
        f.write("set," + ",".join(COLUMNS) + "\n")
        for index, rows in enumerate(sets):
            for row in rows:
                f.write(f"{index}," + ",".join(str(row.get(c, "NA")) if c != "effect_measure" else row[c] for c in COLUMNS) + "\n")
    fits = "\n".join(
        f"""  fit <- tryCatch(rma(yi, vi, data = d, {call}, control = control), error = function(e) NULL)
  if (!is.null(fit)) {{
    p <- predict(fit)
    eg <- if (fit$k >= 10) regtest(fit, model = "lm") else list(zval = NA, pval = NA)
    cat(sprintf("%s|%d|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g\\n",
        "{name}", s, as.numeric(fit$beta), fit$se, fit$ci.lb, fit$ci.ub, fit$tau2, fit$I2,
        fit$QE, p$pi.lb, p$pi.ub, eg$zval, eg$pval, mean(d$vi)))
    if (fit$k >= 3 && fit$k <= 200) {{
      l <- leave1out(fit)
      for (i in seq_along(l$estimate)) {{
        cat(sprintf("L1O|%s|%d|%d|%.17g|%.17g|%.17g\\n", "{name}", s, i, l$estimate[i], l$se[i],
            l$tau2[i]))
      }}
    }}
  }}"""
        for name, (_, call) in MODELS.items()
    )
    script = f"""{R_PREAMBLE.format(data=data)}
for (s in unique(sets$set)) {{
  d <- effects(s)
  if (nrow(d) < 2) next
  control <- list(threshold = 1e-12 * (var(d$yi) + mean(d$vi)), maxiter = 10000, stepadj = 0.5)
{fits}
}}
"""
    (work / "fit.R").write_text(script)
    output = subprocess.run(["Rscript", str(work / "fit.R")], check=True, capture_output=True, text=True).stdout
    results: dict[str, dict[int, dict]] = {name: {} for name in MODELS}
    for line in output.splitlines():
        if line.startswith("L1O|"):
            _, name, index, _, *values = line.split("|")
            omitted = dict(zip(LEAVE_ONE_OUT_KEYS, map(float, values)))
            results[name][int(index)].setdefault("leave_one_out", []).append(omitted)
            continue
        name, index, *values = line.split("|")
        numbers = [math.nan if value == "NA" else float(value) for value in values]
        results[name][int(index)] = dict(zip(KEYS + EGGER_KEYS + ["mean_vi"], numbers))
    return results


def exact_q(rows: list[dict]) -> float | None:
    """Cochran's Q of estimates given as yi/vi, in exact rational arithmetic (None for data
    sets whose estimates come from escalc)."""
    if "yi" not in rows[0]:
        return None
    ys = [Fraction(row["yi"]) for row in rows]
    weights = [1 / Fraction(row["vi"]) for row in rows]
    mean = sum(w * y for w, y in zip(weights, ys)) / sum(weights)
    return float(sum(w * (y - mean) ** 2 for w, y in zip(weights, ys)))


def misfit(ours: float | None, theirs: float, scale: float, key: str) -> float:
    """The difference as a fraction of the tolerance (agreement: at most 1). The tolerance is
    1e-6 relative to the value or, near zero, to the data's scale (τ² to its square, Q to 1);
    I² is compared to 1e-4 percentage points."""
    if ours is None:
        return math.inf
    if key == "i2":
        return abs(ours - theirs) / 1e-4
    if key.startswith("egger"):
        return abs(ours - theirs) / (1e-6 * max(abs(theirs), 1.0))
    reference = scale * scale if key == "tau2" else (1.0 if key == "q" else scale)
    return abs(ours - theirs) / (1e-6 * max(abs(theirs), reference))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", type=int, default=200)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--evsynth", default="target/release/evsynth")
    parser.add_argument(
        "--all-events-share", type=float, default=0.0,
        help="share of 2x2 rows replaced by tables with events in every participant of both "
        "arms (drawn from a second generator, so the data sets are otherwise those of the seed)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    sets = [data_set(rng) for _ in range(args.sets)]
    if args.all_events_share > 0:
        full = random.Random(args.seed + 1)
        for rows in sets:
            for row in rows:
                if "events1" in row and full.random() < args.all_events_share:
                    row["events1"], row["events2"] = row["n1"], row["n2"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for index, rows in enumerate(sets):
            write_topic(work / "studies", index, rows)
        theirs = metafor_results(sets, work)
        failures = 0
        # REML fits whose τ² disagrees: (model, data set, study left out, evsynth's τ²,
        # metafor's τ², the messages), settled below by the likelihood itself.
        disputed = []
        for name, (options, _) in MODELS.items():
            ours, refused = evsynth_results(args.evsynth, work / "studies", work / "out", options)
            compared = eggers = refits = 0
            worst = {key: 0.0 for key in KEYS + EGGER_KEYS + ["leave_one_out"]}
            for index, expected in sorted(theirs[name].items()):
                scale = math.sqrt(expected["mean_vi"])
                got = ours.get(index)
                if got is None and MAX_VARIANCE_RATIO_REASON in refused.get(index, ""):
                    # Refused by design (README, "Extreme data"): variances over 1e12 apart.
                    print(f"{name} set {index}: not pooled by evsynth: {refused[index]}")
                    continue
                if got is None:
                    failures += 1
                    print(f"{name} set {index}: metafor pooled it, evsynth did not")
                    continue
                compared += 1
                keys = KEYS + [key for key in EGGER_KEYS if not math.isnan(expected[key])]
                eggers += len(keys) > len(KEYS)
                messages = []
                for key in keys:
                    off = misfit(got.get(key), expected[key], scale, key)
                    exact = exact_q(sets[index]) if key == "q" and off > 1 else None
                    if exact is not None and misfit(got.get(key), exact, scale, key) <= 1:
                        print(
                            f"{name} set {index} q: metafor {expected[key]!r} is off by rounding; "
                            f"the exact Q {exact!r} (rational arithmetic) agrees with evsynth's {got[key]!r}"
                        )
                        continue
                    if off > 1:
                        messages.append(f"{name} set {index} {key}: evsynth {got.get(key)!r}, metafor {expected[key]!r}")
                    else:
                        worst[key] = max(worst[key], off)
                if name.startswith("REML") and misfit(got["tau2"], expected["tau2"], scale, "tau2") > 1:
                    disputed.append((name, index, None, got["tau2"], expected["tau2"], messages))
                else:
                    failures += len(messages)
                    for message in messages:
                        print(message)
                expected_refits = expected.get("leave_one_out", [])
                if len(expected_refits) != len(got["leave_one_out"]):
                    failures += 1
                    print(f"{name} set {index}: {len(got['leave_one_out'])} leave-one-out fits, metafor {len(expected_refits)}")
                    continue
                for omitted, (ours_refit, their_refit) in enumerate(zip(got["leave_one_out"], expected_refits)):
                    refits += 1
                    messages = []
                    for key in LEAVE_ONE_OUT_KEYS:
                        off = misfit(ours_refit[key], their_refit[key], scale, key)
                        if off > 1:
                            messages.append(
                                f"{name} set {index} without study {omitted + 1} {key}: "
                                f"evsynth {ours_refit[key]!r}, metafor {their_refit[key]!r}"
                            )
                        else:
                            worst["leave_one_out"] = max(worst["leave_one_out"], off)
                    if name.startswith("REML") and messages and any(" tau2:" in m for m in messages):
                        disputed.append((name, index, omitted + 1, ours_refit["tau2"], their_refit["tau2"], messages))
                    else:
                        failures += len(messages)
                        for message in messages:
                            print(message)
            only_ours = sorted(set(ours) - set(theirs[name]))
            summary = ", ".join(f"{key} {value:.2g}" for key, value in worst.items())
            print(
                f"{name}: {compared} data sets compared ({eggers} with Egger's test, {refits} "
                f"leave-one-out fits); largest "
                f"difference as a fraction of the tolerance: {summary}"
            )
            if only_ours:
                print(f"{name}: evsynth pooled {len(only_ours)} sets metafor could not fit: {only_ours[:10]}")
        # A disputed REML fit is evsynth's error only where metafor's own likelihood is higher
        # at metafor's τ²; where it is higher at evsynth's, metafor stopped at a lower maximum.
        likelihoods = restricted_likelihoods(work, [d[1:5] for d in disputed]) if disputed else []
        for (name, index, omitted, ours_tau2, theirs_tau2, messages), (at_ours, at_theirs) in zip(disputed, likelihoods):
            fit = f"{name} set {index}" + ("" if omitted is None else f" without study {omitted}")
            if at_ours >= at_theirs - 1e-9 * max(1.0, abs(at_theirs)):
                print(
                    f"{fit}: metafor's REML stopped at a lower maximum (its log-likelihood "
                    f"{at_theirs:.6f} at τ² {theirs_tau2:.6g}, {at_ours:.6f} at evsynth's {ours_tau2:.6g})"
                )
            else:
                failures += len(messages)
                for message in messages:
                    print(message)
    kinds = {}
    for rows in sets:
        kind = rows[0]["effect_measure"] + (" from arms" if "n1" in rows[0] else " given as yi/vi")
        kinds[kind] = kinds.get(kind, 0) + 1
    print("data sets: " + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())))
    print("all agree" if failures == 0 else f"{failures} disagreements")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
