/* recorder_keep.h: what keeping a running profile safe needs of a
 * recorder (see persist.h): a copy of its tree as if every open
 * activation ended now, a pause that the figures do not see, and a fresh
 * start in a forked child. */
#ifndef LENTO_RECORDER_KEEP_H
#define LENTO_RECORDER_KEEP_H

#include "recorder.h"

/* Appends r's tree to p as recorder_export does, with the activations
 * still open closed at time now (as recorder_flush would close them, but
 * leaving r as it is).  The outermost `inherited` of them began in the
 * parent of a forked child: they get the time but not a call, which is
 * the parent's.  0 or -ENOMEM. */
int recorder_export_open(const recorder *r, profile *p, int64_t now,
                         uint32_t inherited);

/* Moves every open activation's start d ticks later: the time from then
 * to now (lento's own work, e.g. saving) is charged to no function. */
void recorder_shift(recorder *r, int64_t d);

/* Forgets everything recorded (counts and times to zero) but keeps the
 * open activations, restarted at now: a forked child's profile then holds
 * only what the child did. */
void recorder_forget(recorder *r, int64_t now);

#endif
