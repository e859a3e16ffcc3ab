/*
 * dispatch: the sender mode (app repo).  Reads the triggering event, builds
 * the repository_dispatch payload with cJSON and sends it to each target
 * repository.  Returns 0, or -1 (reported).
 */
#ifndef GB_DISPATCH_H
#define GB_DISPATCH_H

#include "config.h"

int dispatch_run(const struct config *cfg);

#endif
