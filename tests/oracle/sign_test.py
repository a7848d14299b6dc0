"""Oracle values for src/synthesis/votes.rs tests (sign test, Wilson interval).

Run: pip install scipy statsmodels && python3 tests/oracle/sign_test.py
Output is committed beside this script as sign_test.out.
"""
import math

from scipy.stats import binom, binomtest
from statsmodels.stats.proportion import proportion_confint

for u, n in [(10, 12), (2, 12), (3, 3), (5, 5), (1, 1), (0, 1), (2, 4), (3, 4), (7, 10), (15, 20), (60, 100)]:
    print(f"binomtest({u}, {n}).pvalue = {binomtest(u, n).pvalue!r}")

# Large n: log p = log 2 + log P(X >= 60000), X ~ Bin(100000, 1/2).
# Far tail, still inside double range: ln p = ln 2 + ln P(X >= 1200), X ~ Bin(2000, 1/2).
print(f"ln p(1200 of 2000) = {math.log(2) + binom.logsf(1199, 2000, 0.5)!r}")

for u, n in [(10, 12), (0, 5), (1, 1), (3, 4), (2, 3)]:
    low, high = proportion_confint(u, n, alpha=0.05, method="wilson")
    print(f"wilson({u}, {n}) = ({low!r}, {high!r})")
