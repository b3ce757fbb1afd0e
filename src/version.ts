// Kept in code rather than read from package.json so that `quorum --version` touches no file.
export const VERSION = '0.1.0';
