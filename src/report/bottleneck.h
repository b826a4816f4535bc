/* bottleneck.h: the "Bottleneck" text section: the system figures of the
 * run, the timeline at a glance, the verdict with its evidence, the advice
 * and the warnings.  Printed by `lento stat`, after the hotspots by
 * `lento run`, and again by `lento report` when the profile has figures. */
#ifndef LENTO_BOTTLENECK_H
#define LENTO_BOTTLENECK_H

#include <stdio.h>

#include "../core/system.h"
#include "verdict.h"

/* Prints the section.  0 or -ENOMEM. */
int bottleneck_print(FILE *out, const profile_system *s, const verdict *v);

#endif
