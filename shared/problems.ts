export { describeProblems, problemsFrom } from '../events/problems';
