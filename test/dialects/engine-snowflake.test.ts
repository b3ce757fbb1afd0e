// snowflake gives DuckDB's and the reference evaluator's answers (@polyglot-sql/sdk translated to DuckDB). QUORUM_DIALECT_RUNS sets the
// number of generated scenarios.
import { engineSuite } from './support/engine-suite.js';

engineSuite('snowflake', Number(process.env.QUORUM_DIALECT_RUNS ?? 4));
