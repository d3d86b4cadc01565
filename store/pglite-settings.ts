/**
 * Server settings for the embedded database. PostgreSQL's defaults (128 MB of shared buffers) are sized
 * for a dedicated server; Helix's conversation log is small and hot, and the brain shares the machine
 * with every other role. Measured: a reopened PGlite process falls from ~407 MB to ~233 MB resident.
 */
export const PGLITE_SETTINGS = ['shared_buffers=16MB'];
