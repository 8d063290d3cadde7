// Saving and loading the baselines' fitted parts (TF-IDF vocabulary/idf, NB log-count ratios, logistic regression
// weights) in a checkpoint folder, so a baseline run can predict and be evaluated later like a fine-tuned one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../shared/node/runFiles';
import type { LogRegModel } from './logreg';
import type { NbsvmModel } from './nbsvm';
import type { TfidfModel } from './tfidf';

const b64 = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const f64 = (s: string) => {
  const buf = Buffer.from(s, 'base64');
  return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
};

export function saveLogReg(dir: string, m: LogRegModel, extra: Record<string, unknown> = {}): void {
  writeJsonAtomic(join(dir, 'logreg.json'), { ...extra, numClasses: m.numClasses, numFeatures: m.numFeatures, weights: b64(m.weights), bias: b64(m.bias) });
}

export function loadLogReg(dir: string): LogRegModel & Record<string, unknown> {
  const j = JSON.parse(readFileSync(join(dir, 'logreg.json'), 'utf8')) as Record<string, unknown> & {
    numClasses: number;
    numFeatures: number;
    weights: string;
    bias: string;
  };
  return { ...j, weights: f64(j.weights), bias: f64(j.bias) };
}

export function saveTfidf(dir: string, m: TfidfModel): void {
  writeJsonAtomic(join(dir, 'tfidf.json'), { maxN: m.maxN, vocabulary: m.vocabulary, idf: b64(m.idf) });
}

export function loadTfidf(dir: string): TfidfModel {
  const j = JSON.parse(readFileSync(join(dir, 'tfidf.json'), 'utf8')) as { maxN: number; vocabulary: string[]; idf: string };
  return { maxN: j.maxN, vocabulary: j.vocabulary, idf: f64(j.idf) };
}

export function saveNbsvm(dir: string, m: NbsvmModel): void {
  writeJsonAtomic(join(dir, 'nbsvm.json'), { maxN: m.maxN, alpha: m.alpha, l2: m.l2, vocabulary: m.vocabulary, r: b64(m.r) });
}

export function loadNbsvm(dir: string): NbsvmModel {
  const j = JSON.parse(readFileSync(join(dir, 'nbsvm.json'), 'utf8')) as { maxN: number; alpha: number; l2: boolean; vocabulary: string[]; r: string };
  return { maxN: j.maxN, alpha: j.alpha, l2: j.l2, vocabulary: j.vocabulary, r: f64(j.r) };
}
