#!/usr/bin/python3
"""Writes test/fixtures/eval/sklearn-metrics.json: random labels and probabilities with the metrics
scikit-learn / scipy compute for them, so the TypeScript metrics are checked against the reference
formulas without Python in CI. Run: /usr/bin/python3 scripts/make-eval-fixture.py (needs python3-sklearn)."""
import json
import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import (accuracy_score, confusion_matrix, log_loss, precision_recall_fscore_support,
                             roc_auc_score)

rng = np.random.default_rng(7)


def case(n, k, ties):
    labels = rng.integers(0, k, size=n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), labels] += 1.0  # a better-than-chance model
    if ties:
        logits = np.round(logits, 1)  # repeated scores exercise tied ranks in the AUC
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    probs = np.round(probs, 6)
    probs = probs / probs.sum(axis=1, keepdims=True)
    preds = probs.argmax(axis=1)
    p, r, f, s = precision_recall_fscore_support(labels, preds, labels=list(range(k)), zero_division=0)
    conf = probs.max(axis=1)
    bins = np.minimum(9, np.maximum(0, np.ceil(conf * 10).astype(int) - 1))
    ece = 0.0
    for b in range(10):
        m = bins == b
        if m.any():
            ece += m.mean() * abs((preds[m] == labels[m]).mean() - conf[m].mean())
    auc = roc_auc_score(labels, probs[:, 1]) if k == 2 else roc_auc_score(labels, probs, multi_class='ovr', average='macro')
    return {
        'labels': labels.tolist(), 'probs': probs.tolist(),
        'accuracy': accuracy_score(labels, preds),
        'precision': p.tolist(), 'recall': r.tolist(), 'f1': f.tolist(), 'support': s.tolist(),
        'macroF1': float(f.mean()), 'rocAuc': float(auc), 'logLoss': float(log_loss(labels, probs, labels=list(range(k)))),
        'confusion': confusion_matrix(labels, preds, labels=list(range(k))).tolist(), 'ece': float(ece),
    }


mcnemar = [{'b': b, 'c': c, 'p': float(binomtest(b, b + c, 0.5).pvalue)} for b, c in
           [(0, 1), (3, 10), (12, 12), (40, 21), (150, 110), (5, 0), (700, 650)]]
out = {'binary': case(300, 2, False), 'binaryTies': case(200, 2, True), 'threeClass': case(240, 3, False),
       'mcnemar': mcnemar}
with open('test/fixtures/eval/sklearn-metrics.json', 'w') as fh:
    json.dump(out, fh)
print('wrote test/fixtures/eval/sklearn-metrics.json')
