import { fitEnsembleWeights } from '../work/main/src/host/eval/ensembleWeights';
const labels = [0, 1, 0, 1, 1, 0, 1, 0, 0, 1];
const cautious = labels.map((y, i) => (i === 3 ? [0.55, 0.45] : y === 1 ? [0.38, 0.62] : [0.65, 0.35]));
const sharp = labels.map((y, i) => (i % 3 === 1 ? (y === 1 ? [0.97, 0.03] : [0.04, 0.96]) : y === 1 ? [0.05, 0.95] : [0.9, 0.1]));
console.log(fitEnsembleWeights([cautious, sharp], labels, 'logits'));
console.log(fitEnsembleWeights([cautious, sharp], labels, 'probs'));
