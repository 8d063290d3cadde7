#!/usr/bin/python3
"""scikit-learn's version of the TF-IDF baseline, for bench/scale.ts: read the CSV (id,text,label), take the
train/validation/test ids of a gft run's split.json, TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
min_df=2) fitted on train, LogisticRegression(lbfgs) for C in 1, 10, 100 chosen on validation accuracy, test
predictions. One thread (OMP/OPENBLAS_NUM_THREADS=1 set by the caller). Prints one JSON line: phase times,
iterations, accuracy, peak RSS (ru_maxrss).
Run: /usr/bin/python3 bench/sklearn_tfidf.py FILE.csv split.json"""
import csv
import json
import resource
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

t0 = time.perf_counter()
csv.field_size_limit(1 << 30)
with open(sys.argv[1], newline='', encoding='utf-8') as fh:
    rows = {r['id']: r for r in csv.DictReader(fh)}
with open(sys.argv[2], encoding='utf-8') as fh:
    ids = json.load(fh)['ids']
labels = sorted({r['label'] for r in rows.values()})
part = {s: ([rows[i]['text'] for i in ids[s]], np.array([labels.index(rows[i]['label']) for i in ids[s]])) for s in ('train', 'validation', 'test')}
t_read = time.perf_counter()
vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
x_train = vec.fit_transform(part['train'][0])
x_val = vec.transform(part['validation'][0])
x_test = vec.transform(part['test'][0])
t_feat = time.perf_counter()
best = None
fits = []
for C in (1.0, 10.0, 100.0):
    t = time.perf_counter()
    lr = LogisticRegression(C=C, max_iter=1000).fit(x_train, part['train'][1])
    acc = float(np.mean(lr.predict(x_val) == part['validation'][1]))
    fits.append({'C': C, 'iterations': int(lr.n_iter_[0]), 'validationAccuracy': acc, 's': time.perf_counter() - t})
    if best is None or acc > best[0]:
        best = (acc, lr)
t_fit = time.perf_counter()
test_acc = float(np.mean(best[1].predict(x_test) == part['test'][1]))
best[1].predict_proba(x_test)
t_end = time.perf_counter()
print(json.dumps({
    'read_s': t_read - t0, 'features_s': t_feat - t_read, 'fit_s': t_fit - t_feat, 'total_s': t_end - t0,
    'numFeatures': len(vec.vocabulary_), 'nnzTrain': int(x_train.nnz), 'fits': fits, 'testAccuracy': test_acc,
    'maxRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
