#!/usr/bin/python3
"""Writes test/fixtures/baselines/sklearn-tfidf.json: scikit-learn's TfidfVectorizer(ngram_range=(1, 2),
sublinear_tf=True, min_df=2) vocabulary, idf and rows on a small corpus, LogisticRegression probabilities
(binary and 3 classes), and the accuracy of the same pipeline on the built-in movie reviews with canonical
fold 1 as the test set. Run: /usr/bin/python3 scripts/make-tfidf-fixture.py (needs python3-sklearn)."""
import gzip
import json
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(3)
words = ['good', 'bad', 'great', 'awful', 'plot', 'film', 'actor', 'boring', 'fun', 'the', 'a', 'is', 'not',
         'very', 'scène', 'naïve', 'x', 'I', 'e2e', 'under_score', "don't", 'Movie', 'MOVIE']


def doc(label, k):
    pool = words + (['good', 'great', 'fun'] if label == 1 else ['bad', 'awful', 'boring'])
    if k == 3 and label == 2:
        pool = words + ['plot', 'actor', 'scène'] * 2
    return ' '.join(rng.choice(pool, size=rng.integers(4, 14))) + rng.choice([' .', '!', ' ...', ', 42'])


def small(k, n_train, n_test, C):
    y = rng.integers(0, k, size=n_train + n_test)
    texts = [doc(int(l), k) for l in y]
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    x_train = vec.fit_transform(texts[:n_train])
    x_test = vec.transform(texts[n_train:])
    multi = 'multinomial' if k > 2 else 'auto'
    lr = LogisticRegression(C=C, tol=1e-10, max_iter=10000, multi_class=multi).fit(x_train, y[:n_train])
    return {
        'texts': texts, 'labels': y.tolist(), 'nTrain': n_train, 'C': C,
        'vocabulary': vec.get_feature_names_out().tolist(), 'idf': vec.idf_.tolist(),
        'testRows': x_test.toarray()[:5].tolist(),
        'probs': lr.predict_proba(x_test).tolist(),
    }


def movie_reviews(C):
    rows = [json.loads(l) for l in gzip.open('data/movie-reviews.jsonl.gz', 'rt', encoding='utf-8') if l.strip()]
    test = [r for r in rows if r['fold'] == 1]
    train = [r for r in rows if r['fold'] != 1]
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    x_train = vec.fit_transform([r['text'] for r in train])
    x_test = vec.transform([r['text'] for r in test])
    y_train = [r['label'] == 'pos' for r in train]
    y_test = [r['label'] == 'pos' for r in test]
    lr = LogisticRegression(C=C, max_iter=5000).fit(x_train, y_train)
    pred = lr.predict(x_test)
    return {'C': C, 'numFeatures': len(vec.vocabulary_), 'nTest': len(test),
            'accuracy': float(np.mean(pred == np.array(y_test))),
            'predictions': {r['id']: int(p) for r, p in zip(test, pred)}}


out = {'binary': small(2, 40, 12, 10.0), 'threeClass': small(3, 60, 12, 5.0), 'movieReviews': movie_reviews(10.0)}
with open('test/fixtures/baselines/sklearn-tfidf.json', 'w') as fh:
    json.dump(out, fh)
print('wrote test/fixtures/baselines/sklearn-tfidf.json', out['movieReviews']['accuracy'], out['movieReviews']['numFeatures'])
