"""Shared statistics for the Python baselines: the 70% rule, sign test, Wilson interval and
REML pooling, written the way an analyst would with scipy/numpy (not evsynth's code)."""

import math

import numpy as np
from scipy import stats

DIRECTIONS = ["positive", "none", "negative", "conflicting"]


def study_votes(counts):
    """Vectorised 70% rule: `counts` is an (studies x 4) array in DIRECTIONS order; returns
    each study's direction index (3 = conflicting)."""
    counts = np.asarray(counts)
    best = counts.argmax(axis=1)
    agree = counts.max(axis=1) * 10 >= counts.sum(axis=1) * 7
    return np.where(agree, best, 3)


def tally(question_of_study, vote_index):
    """{question: {direction: studies}} from per-study question labels and vote indices."""
    votes = {}
    for question in sorted(set(question_of_study)):
        mine = vote_index[np.asarray(question_of_study) == question]
        votes[question] = {d: int((mine == i).sum()) for i, d in enumerate(DIRECTIONS)}
    return votes


def vote_row(question, votes):
    """Vote counts of one question with the exact sign test and Wilson 95% interval."""
    pos = votes.get("positive", 0)
    neg = votes.get("negative", 0)
    row = {"question": question, **{d: votes.get(d, 0) for d in DIRECTIONS}}
    row["studies"] = sum(votes.get(d, 0) for d in DIRECTIONS)
    if pos + neg > 0:
        test = stats.binomtest(pos, pos + neg, 0.5)
        ci = test.proportion_ci(confidence_level=0.95, method="wilson")
        row.update(sign_test_p=test.pvalue, wilson_low=ci.low, wilson_high=ci.high)
    else:
        row.update(sign_test_p=None, wilson_low=None, wilson_high=None)
    return row


def reml(yi, vi, max_iter=100, tol=1e-10):
    """REML tau^2 by Fisher scoring (metafor's algorithm), pooled estimate and 95% CI."""
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    k = len(yi)
    w = 1 / vi
    mu = np.sum(w * yi) / np.sum(w)
    q = np.sum(w * (yi - mu) ** 2)
    tau2 = max(0.0, (q - (k - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    for _ in range(max_iter):
        w = 1 / (vi + tau2)
        sw = np.sum(w)
        mu = np.sum(w * yi) / sw
        p_diag = w - w**2 / sw
        resid = yi - mu
        score = 0.5 * (np.sum((w * resid) ** 2) - np.sum(p_diag))
        info = 0.5 * np.sum(p_diag**2)
        step = score / info
        new = max(0.0, tau2 + step)
        if abs(new - tau2) < tol:
            tau2 = new
            break
        tau2 = new
    w = 1 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    se = math.sqrt(1 / np.sum(w))
    return {"k": k, "estimate": mu, "se": se, "ci_low": mu - 1.959964 * se,
            "ci_high": mu + 1.959964 * se, "tau2": tau2}
