#!/usr/bin/python3
"""Prints scipy's Kendall tau-b and Spearman rho of each CSV file given (columns x,y; "-inf" allowed),
one line per file: "tau rho" with 17 significant digits. Used by tests/test_eval_scipy.cpp."""
import sys

import numpy as np
from scipy import stats

for path in sys.argv[1:]:
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    x, y = data[:, 0], data[:, 1]
    tau = stats.kendalltau(x, y, variant="b").correlation
    rho = stats.spearmanr(x, y).correlation
    print(f"{tau:.17g} {rho:.17g}")
