// The CLI from source, for tests that run quorum as a child process (`node --import tsx ...`).
import { main } from '../../../src/cli/main.js';

process.exitCode = await main(process.argv);
