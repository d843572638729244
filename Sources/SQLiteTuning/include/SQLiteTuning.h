#ifndef SQLITE_TUNING_H
#define SQLITE_TUNING_H

/// Turns off SQLite's memory statistics for this process, which take a global lock on every allocation. Must
/// run before SQLite is first used; returns 0 on success, or an SQLite error code when SQLite was already
/// initialized, in which case nothing changes. A process-wide setting: the executable makes it, not the library.
int usage_sqlite_disable_memory_statistics(void);

#endif
