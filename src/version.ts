// quorum's version, sent in every call's context.library and printed by `quorum --version`. It
// lives at the root of src/ so that the sync stage and the destinations read it without
// importing the CLI. Kept in code rather than read from package.json so that `quorum --version`
// touches no file.
export const VERSION = '0.1.0';
