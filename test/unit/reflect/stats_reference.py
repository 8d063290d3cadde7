# Reference values for test/unit/reflect/stats.test.ts from SciPy (Debian python3-scipy):
#   /usr/bin/python3 test/unit/reflect/stats_reference.py
# Fisher's exact test and the Wilson interval are SciPy's; Newcombe's interval of p1 - p2 (method 10) is
# composed from SciPy's Wilson intervals (Newcombe 1998, Statistics in Medicine 17:873).
import json
from math import sqrt
from scipy.stats import binomtest, fisher_exact

tables = [(8, 10, 1, 6), (30, 100, 15, 100), (3, 7, 2, 9), (45, 50, 40, 50), (0, 20, 5, 20)]
out = {"fisher": [], "wilson": [], "newcombe": []}
for x1, n1, x2, n2 in tables:
    _, p = fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])
    out["fisher"].append([x1, n1, x2, n2, p])
    w1 = binomtest(x1, n1).proportion_ci(method="wilson")
    w2 = binomtest(x2, n2).proportion_ci(method="wilson")
    out["wilson"].append([x1, n1, w1.low, w1.high])
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    lo = d - sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2)
    hi = d + sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2)
    out["newcombe"].append([x1, n1, x2, n2, lo, hi])
print(json.dumps(out))
