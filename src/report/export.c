/* export.c: the table of export formats (see export.h). */
#include "export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/paths.h"
#include "../core/pstats.h"

int export_pstats(const profile *p, buf *out)
{
    return pstats_encode(p, out);
}

static const export_format formats[] = {
    {"pstats", ".pstats .prof", "pstats, snakeviz, gprof2dot",
     export_pstats},
    {"callgrind", ".callgrind callgrind.out.*", "KCachegrind, QCachegrind",
     export_callgrind},
    {"folded", ".folded .collapsed",
     "flamegraph.pl, inferno, speedscope (self ns per call path)",
     export_folded},
    {"speedscope", ".speedscope.json", "speedscope (its JSON schema)",
     export_speedscope},
    {"chrome", ".trace.json .chrome.json",
     "chrome://tracing, Perfetto (a synthesized timeline)", export_chrome},
    {"pprof", ".pb.gz .pprof", "pprof, Pyroscope, Grafana (gzipped protobuf)",
     export_pprof},
    {"json", ".json", "lento's own schema (docs/json-profile.md)",
     export_json},
};

const export_format *export_formats(unsigned *n)
{
    *n = sizeof formats / sizeof *formats;
    return formats;
}

const export_format *export_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        if (strcmp(formats[i].name, name) == 0)
            return &formats[i];
    return NULL;
}

const export_format *export_for_path(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    /* the longer suffixes first: x.speedscope.json is not plain json */
    static const struct {
        const char *suffix;
        const char *format;
    } by_ext[] = {
        {".speedscope.json", "speedscope"}, {".trace.json", "chrome"},
        {".chrome.json", "chrome"},         {".json", "json"},
        {".pstats", "pstats"},              {".prof", "pstats"},
        {".callgrind", "callgrind"},        {".folded", "folded"},
        {".collapsed", "folded"},           {".pb.gz", "pprof"},
        {".pprof", "pprof"},
    };
    if (strncmp(base, "callgrind.out", 13) == 0)
        return export_by_name("callgrind");
    for (size_t i = 0; i < sizeof by_ext / sizeof *by_ext; i++)
        if (path_ends_with(base, by_ext[i].suffix) &&
            strlen(base) > strlen(by_ext[i].suffix))
            return export_by_name(by_ext[i].format);
    return NULL;
}

int64_t export_ns(const profile *p, int64_t ticks)
{
    if (p->tick == 1e-9)
        return ticks;
    double ns = (double)ticks * p->tick * 1e9;
    if (ns >= 9.2e18)
        return INT64_MAX;
    if (ns <= -9.2e18)
        return INT64_MIN;
    return llround(ns);
}

int export_put_double(buf *out, double v)
{
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    return buf_addstr(out, tmp);
}
