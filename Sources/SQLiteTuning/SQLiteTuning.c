#include "SQLiteTuning.h"
#include <sqlite3.h>

int usage_sqlite_tune(void) {
    // sqlite3_config is variadic, which Swift cannot call: hence this file.
    int rc = sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    if (rc != SQLITE_OK) return rc;
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
