#ifndef SQLITE_TUNING_H
#define SQLITE_TUNING_H

/// Configures SQLite for this process before any connection opens: multi-thread mode (each connection is used
/// by one thread at a time, which GRDB guarantees, so SQLite's per-call connection mutex is dropped) and no
/// memory statistics (which take a global lock on every allocation). Returns 0 on success, or an SQLite error
/// code when SQLite was already initialized, in which case nothing changes.
int usage_sqlite_tune(void);

#endif
