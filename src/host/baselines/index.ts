export * from './tfidf';
export * from './lbfgs';
export * from './logreg';
export * from './persist';
