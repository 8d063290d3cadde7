export * from './tfidf';
export * from './nbsvm';
export * from './lbfgs';
export * from './logreg';
export * from './persist';
