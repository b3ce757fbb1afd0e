// postgres gives DuckDB's and the reference evaluator's answers (PGlite). QUORUM_DIALECT_RUNS sets the
// number of generated scenarios.
import { engineSuite } from './support/engine-suite.js';

engineSuite('postgres', Number(process.env.QUORUM_DIALECT_RUNS ?? 40));
